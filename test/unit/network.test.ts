import { describe, expect, test } from "bun:test";
import { parseIfconfigOutput } from "../../engine/_network.ts";

// Captured outputs, one per format (addresses from documentation ranges where they were private).
const NET_TOOLS_OLD = `eth0      Link encap:Ethernet  HWaddr 08:00:27:4f:9e:1c  
          inet addr:10.0.3.15  Bcast:10.0.3.255  Mask:255.255.255.0
          inet6 addr: fe80::a00:27ff:fe4f:9e1c/64 Scope:Link
          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1
          RX packets:1317 errors:0 dropped:0 overruns:0 frame:0
          TX packets:870 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:139424 (139.4 KB)  TX bytes:118742 (118.7 KB)

eth1      Link encap:Ethernet  HWaddr 08:00:27:b3:22:a0  
          BROADCAST MULTICAST  MTU:1500  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)

eth0:1    Link encap:Ethernet  HWaddr 08:00:27:4f:9e:1c  
          inet addr:10.0.3.16  Bcast:10.0.3.255  Mask:255.255.255.0
          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1

lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          inet6 addr: ::1/128 Scope:Host
          UP LOOPBACK RUNNING  MTU:16436  Metric:1
          RX packets:8 errors:0 dropped:0 overruns:0 frame:0
          TX packets:8 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:0 
          RX bytes:560 (560.0 B)  TX bytes:560 (560.0 B)
`;

const NET_TOOLS_NEW = `eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1400
        inet 192.0.2.2  netmask 255.255.255.0  broadcast 192.0.2.255
        inet6 fd00::2  prefixlen 64  scopeid 0x0<global>
        inet6 fe80::fc:ff:fe00:1  prefixlen 64  scopeid 0x20<link>
        ether 02:fc:00:00:00:01  txqueuelen 1000  (Ethernet)
        RX packets 12935  bytes 548671522 (523.2 MiB)
        RX errors 0  dropped 0  overruns 0  frame 0
        TX packets 8337  bytes 710327 (693.6 KiB)
        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0

lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536
        inet 127.0.0.1  netmask 255.0.0.0
        inet6 ::1  prefixlen 128  scopeid 0x10<host>
        loop  txqueuelen 1000  (Local Loopback)
        RX packets 117275  bytes 13073734 (12.4 MiB)
        RX errors 0  dropped 0  overruns 0  frame 0
        TX packets 117275  bytes 13073734 (12.4 MiB)
        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0
`;

const MACOS = `lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 16384
\toptions=1203<RXCSUM,TXCSUM,TXSTATUS,SW_TIMESTAMP>
\tinet 127.0.0.1 netmask 0xff000000 
\tinet6 ::1 prefixlen 128 
\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x1 
\tnd6 options=201<PERFORMNUD,DAD>
gif0: flags=8010<POINTOPOINT,MULTICAST> mtu 1280
stf0: flags=0<> mtu 1280
en0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500
\toptions=400<CHANNEL_IO>
\tether a4:83:e7:1a:2b:3c 
\tinet6 fe80::1c2b:3a4d:5e6f:7a8b%en0 prefixlen 64 secured scopeid 0x4 
\tinet 192.168.1.23 netmask 0xffffff00 broadcast 192.168.1.255
\tnd6 options=201<PERFORMNUD,DAD>
\tmedia: autoselect
\tstatus: active
utun0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu 1380
\tinet6 fe80::8d1c:4b2a:1f3e:9a7c%utun0 prefixlen 64 scopeid 0xb 
\tnd6 options=201<PERFORMNUD,DAD>
`;

const FREEBSD_WITH_ALIAS = `em0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500
\toptions=9b<RXCSUM,TXCSUM,VLAN_MTU,VLAN_HWTAGGING,VLAN_HWCSUM>
\tether 08:00:27:8c:aa:01
\tinet 10.0.2.15 netmask 0xffffff00 broadcast 10.0.2.255
\tinet 10.0.2.100 netmask 0xffffffff broadcast 10.0.2.100
\tmedia: Ethernet autoselect (1000baseT <full-duplex>)
\tstatus: active
lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> metric 0 mtu 16384
\toptions=600003<RXCSUM,TXCSUM,RXCSUM_IPV6,TXCSUM_IPV6>
\tinet6 ::1 prefixlen 128
\tinet 127.0.0.1 netmask 0xff000000
`;

const IP_ADDR = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host 
       valid_lft forever preferred_lft forever
2: ifb0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default qlen 32
    link/ether 76:e5:82:80:75:bd brd ff:ff:ff:ff:ff:ff
7: eth0@if8: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default 
    link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff link-netnsid 0
    inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0
       valid_lft forever preferred_lft forever
    inet 172.17.0.9/16 scope global secondary eth0
       valid_lft forever preferred_lft forever
    inet6 fe80::42:acff:fe11:2/64 scope link 
       valid_lft forever preferred_lft forever
`;

const IP_4_ADDR = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc pfifo_fast state UP group default qlen 1000
    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0
       valid_lft forever preferred_lft forever
`;

const IP_ONELINE = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever
4: eth0    inet 192.0.2.7/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever
`;

const IP_BRIEF = `lo               UNKNOWN        127.0.0.1/8 ::1/128 
ifb0             DOWN           
eth0             UP             192.0.2.2/24 fd00::2/64 fe80::fc:ff:fe00:1/64 
`;

type Row = [format: string, output: string, expected: Record<string, string[]>];

const formats: Row[] = [
  ["Linux net-tools ifconfig (old)", NET_TOOLS_OLD, { eth0: ["10.0.3.15"], "eth0:1": ["10.0.3.16"], lo: ["127.0.0.1"] }],
  ["Linux net-tools ifconfig (new)", NET_TOOLS_NEW, { eth0: ["192.0.2.2"], lo: ["127.0.0.1"] }],
  ["macOS ifconfig", MACOS, { lo0: ["127.0.0.1"], en0: ["192.168.1.23"] }],
  ["FreeBSD ifconfig with an alias", FREEBSD_WITH_ALIAS, { em0: ["10.0.2.15", "10.0.2.100"], lo0: ["127.0.0.1"] }],
  ["`ip addr`", IP_ADDR, { lo: ["127.0.0.1"], eth0: ["172.17.0.2", "172.17.0.9"] }],
  ["`ip -4 addr`", IP_4_ADDR, { lo: ["127.0.0.1"], eth0: ["192.0.2.2"] }],
  ["`ip -o addr`", IP_ONELINE, { lo: ["127.0.0.1"], eth0: ["192.0.2.2", "192.0.2.7"] }],
  ["`ip -br addr`", IP_BRIEF, { lo: ["127.0.0.1"], eth0: ["192.0.2.2"] }],
  ["ifconfig through a pty (CRLF line ends)", NET_TOOLS_NEW.replaceAll("\n", "\r\n"), { eth0: ["192.0.2.2"], lo: ["127.0.0.1"] }],
];

const summary = (output: string, onlyActive?: boolean) =>
  Object.fromEntries(parseIfconfigOutput(output, onlyActive).interfaces.map((i) => [i.name, [...i.addresses]]));

describe("parseIfconfigOutput", () => {
  test.each(formats)("reads the IPv4 addresses of every interface from %s", (_format, output, expected) => {
    expect(summary(output)).toEqual(expected);
  });

  test("keeps interfaces in the order they were listed", () => {
    expect(parseIfconfigOutput(MACOS).interfaces.map((i) => i.name)).toEqual(["lo0", "en0"]);
  });

  test("the first address of an interface is its ip", () => {
    expect(parseIfconfigOutput(IP_ADDR).getInterface("eth0").ip).toBe("172.17.0.2");
  });

  test("with onlyActiveInterfaces false, interfaces without an address are kept with an undefined ip", () => {
    const config = parseIfconfigOutput(MACOS, false);
    expect(config.interfaces.map((i) => i.name)).toEqual(["lo0", "gif0", "stf0", "en0", "utun0"]);
    expect(config.getInterface("utun0").ip).toBeUndefined();
    expect(summary(IP_ADDR, false)).toEqual({ lo: ["127.0.0.1"], ifb0: [], eth0: ["172.17.0.2", "172.17.0.9"] });
  });

  test("getAddress finds the interface holding any of its addresses", () => {
    expect(parseIfconfigOutput(FREEBSD_WITH_ALIAS).getAddress("10.0.2.100").name).toBe("em0");
  });

  test("lookups that find nothing throw an error naming what was asked and what exists", () => {
    const config = parseIfconfigOutput(NET_TOOLS_NEW);
    expect(() => config.getInterface("wlan0")).toThrow(/No network interface named "wlan0" \(found: eth0 192\.0\.2\.2, lo 127\.0\.0\.1\)/);
    expect(() => config.getAddress("10.9.9.9")).toThrow(/No network interface has address 10\.9\.9\.9/);
  });

  test("empty output gives no interfaces", () => {
    expect(parseIfconfigOutput("").interfaces).toEqual([]);
  });

  test("prints like the original's repr", () => {
    expect(String(parseIfconfigOutput(IP_4_ADDR))).toBe(
      `IfConfig(interfaces=[NetworkInterface(name="lo", ip="127.0.0.1"), NetworkInterface(name="eth0", ip="192.0.2.2")])`,
    );
  });
});
