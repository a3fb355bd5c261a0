// Reading interface addresses from `ifconfig` (Linux net-tools, BSD/macOS) or `ip addr` output.

/** One network interface and its IPv4 addresses, the primary one first. */
export class NetworkInterface {
  constructor(readonly name: string, readonly addresses: readonly string[] = []) {}

  /** The primary IPv4 address, undefined when the interface has none. */
  get ip(): string | undefined {
    return this.addresses[0];
  }

  toString(): string {
    return `NetworkInterface(name=${JSON.stringify(this.name)}, ip=${this.ip === undefined ? "undefined" : JSON.stringify(this.ip)})`;
  }
}

/** The interfaces a host reported, with lookups that fail loudly. */
export class IfConfig {
  constructor(readonly interfaces: readonly NetworkInterface[]) {}

  /** The interface called `name`; throws when there is none. */
  getInterface(name: string): NetworkInterface {
    const found = this.interfaces.find((i) => i.name === name);
    if (!found) throw new Error(`No network interface named "${name}" (found: ${this.names()})`);
    return found;
  }

  /** The interface that has address `ip`; throws when there is none. */
  getAddress(ip: string): NetworkInterface {
    const found = this.interfaces.find((i) => i.addresses.includes(ip));
    if (!found) throw new Error(`No network interface has address ${ip} (found: ${this.names()})`);
    return found;
  }

  toString(): string {
    return `IfConfig(interfaces=[${this.interfaces.join(", ")}])`;
  }

  private names(): string {
    return this.interfaces.map((i) => `${i.name}${i.ip ? ` ${i.ip}` : ""}`).join(", ") || "none";
  }
}

const IPV4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;
// "inet 10.0.0.1", "inet addr:10.0.0.1" (net-tools), "inet 10.0.0.1/24" (ip addr); never "inet6".
const INET = new RegExp(String.raw`\binet (?:addr:)?(${IPV4})\b`, "g");
const BRIEF_ADDRESS = new RegExp(String.raw`^(${IPV4})/\d+$`);

/**
 * Parse the output of `ifconfig` (Linux net-tools old and new, BSD/macOS) or `ip addr` (`ip -4 addr`,
 * `ip -o addr`, `ip -br addr`). A line that does not start with whitespace starts an interface; the
 * addresses follow. With `onlyActiveInterfaces`, interfaces without an IPv4 address are left out.
 */
export function parseIfconfigOutput(output: string, onlyActiveInterfaces = true): IfConfig {
  const byName = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    let rest = line;
    if (!/^\s/.test(line)) {
      const words = line.trim().split(/\s+/);
      // `ip addr` prefixes the name with its index ("2: eth0@if7:").
      const nameAt = /^\d+:$/.test(words[0]!) && words.length > 1 ? 1 : 0;
      const name = words[nameAt]!.replace(/:$/, "").replace(/@.*$/, "");
      current = byName.get(name) ?? [];
      byName.set(name, current);
      rest = words.slice(nameAt + 1).join(" ");
      // `ip -br addr`: "eth0  UP  172.17.0.2/16 fe80::1/64".
      for (const word of words.slice(nameAt + 1)) {
        const brief = BRIEF_ADDRESS.exec(word);
        if (brief) add(current, brief[1]!);
      }
    }
    if (!current) continue;
    for (const match of rest.matchAll(INET)) add(current, match[1]!);
  }
  const interfaces = [...byName].map(([name, addresses]) => new NetworkInterface(name, addresses));
  return new IfConfig(onlyActiveInterfaces ? interfaces.filter((i) => i.ip !== undefined) : interfaces);
}

function add(addresses: string[], ip: string): void {
  if (!addresses.includes(ip)) addresses.push(ip);
}
