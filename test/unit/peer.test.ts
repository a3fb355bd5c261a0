// Addresses as the kernel's socket tables (/proc/net/tcp, tcp6) write them, for tcpPeerUid.
import { expect, test } from "bun:test";
import { createServer, connect } from "node:net";
import { procAddress, tcpPeerUid } from "../../cmd/_peer.ts";

test("procAddress writes IPv4, IPv6 and IPv4-mapped IPv6 addresses as /proc/net/tcp does", () => {
  // The words are as a little-endian machine (x86, arm64) writes them.
  expect(procAddress("127.0.0.1", 8023)).toBe("0100007F:1F57");
  expect(procAddress("10.1.2.3", 22)).toBe("0302010A:0016");
  expect(procAddress("::1", 22)).toBe("00000000000000000000000001000000:0016");
  expect(procAddress("::ffff:127.0.0.1", 80)).toBe("0000000000000000FFFF00000100007F:0050");
  expect(procAddress("fe80::1%eth0", 443)).toBe("000080FE000000000000000001000000:01BB");
  for (const bad of ["", "localhost", "256.0.0.1", "1:2:3", "1::2::3", "1:2:3:4:5:6:7:8:9", "::g"]) expect(procAddress(bad, 1)).toBeUndefined();
});

test("tcpPeerUid names the user of a loopback client, over IPv4 and through an IPv6 listener", async () => {
  for (const host of ["127.0.0.1", "::"]) {
    const seen = new Promise<number | undefined>((resolve) => {
      const server = createServer((socket) => { resolve(tcpPeerUid(socket)); socket.destroy(); server.close(); });
      server.listen(0, host, () => {
        const client = connect((server.address() as { port: number }).port, "127.0.0.1");
        client.on("error", () => undefined);
      });
    });
    expect(await seen).toBe(process.getuid!());
  }
});
