// Reading and extending OpenSSH known_hosts files (plain and hashed entries).
import { createHmac } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

export type HostKeyVerdict =
  | { kind: "known" }
  | { kind: "unknown" }
  | { kind: "changed"; file: string; line: number };

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** Check a server's key (the raw blob) for `name` against `file`. */
export function checkHostKey(file: string, name: string, key: Buffer): HostKeyVerdict {
  if (!existsSync(file)) return { kind: "unknown" };
  const presented = key.toString("base64");
  const type = keyType(key);
  let changed: HostKeyVerdict | undefined;
  readFileSync(file, "utf8").split("\n").forEach((text, index) => {
    const fields = text.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]!.startsWith("#")) return;
    const [patterns, entryType, blob] = fields[0]!.startsWith("@") ? fields.slice(1) : fields;
    if (!patterns || !matchesName(patterns, name)) return;
    if (blob === presented) changed = changed?.kind === "known" ? changed : { kind: "known" };
    else if (entryType === type && changed === undefined) changed = { kind: "changed", file, line: index + 1 };
  });
  return changed ?? { kind: "unknown" };
}

/** Append an entry for `name` to `file`, creating it (and its folder) when missing. */
export function addHostKey(file: string, name: string, key: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${name} ${keyType(key)} ${key.toString("base64")}\n`, { mode: 0o600 });
}

/** The key type named inside an SSH public key blob (e.g. "ssh-ed25519"). */
function keyType(key: Buffer): string {
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString();
}

function matchesName(patterns: string, name: string): boolean {
  if (patterns.startsWith("|1|")) {
    const [, , salt, hash] = patterns.split("|");
    if (!salt || !hash) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  let matched = false;
  for (const pattern of patterns.split(",")) {
    const negated = pattern.startsWith("!");
    if (globMatch(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function globMatch(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return regex.test(name);
}
