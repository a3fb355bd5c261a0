// Reading and extending OpenSSH known_hosts files (plain and hashed entries).
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { nodeCrypto } from "../_builtins.ts";

export type HostKeyVerdict =
  | { kind: "known" }
  | { kind: "unknown" }
  | { kind: "changed"; file: string; line: number };

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** One line of a known_hosts file, parsed once. */
interface Entry {
  line: number;
  type: string;
  blob: string;
  matches: (name: string) => boolean;
}

/** Parsed files, by path, kept while the file is unchanged (one parse for a run over many hosts). */
const parsed = new Map<string, { mtimeMs: number; size: number; entries: Entry[] }>();

function entriesOf(file: string): Entry[] {
  const stat = statSync(file);
  const cached = parsed.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.entries;
  const entries: Entry[] = [];
  readFileSync(file, "utf8").split("\n").forEach((text, index) => {
    const fields = text.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]!.startsWith("#")) return;
    const [patterns, type, blob] = fields[0]!.startsWith("@") ? fields.slice(1) : fields;
    if (!patterns || !type || !blob) return;
    entries.push({ line: index + 1, type, blob, matches: nameMatcher(patterns) });
  });
  parsed.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, entries });
  return entries;
}

/** Check a server's key (the raw blob) for `name` against `file`. */
export function checkHostKey(file: string, name: string, key: Buffer): HostKeyVerdict {
  if (!existsSync(file)) return { kind: "unknown" };
  const presented = key.toString("base64");
  const type = keyType(key);
  let changed: HostKeyVerdict | undefined;
  for (const entry of entriesOf(file)) {
    // Only entries with this key or this key type matter: test the cheap condition first.
    if (entry.blob !== presented && entry.type !== type) continue;
    if (!entry.matches(name)) continue;
    if (entry.blob === presented) return { kind: "known" };
    changed ??= { kind: "changed", file, line: entry.line };
  }
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

/** A function telling whether a host name matches an entry's patterns (hashed, or globs with `!`). */
function nameMatcher(patterns: string): (name: string) => boolean {
  if (patterns.startsWith("|1|")) {
    const [, , salt, hash] = patterns.split("|");
    if (!salt || !hash) return () => false;
    const key = Buffer.from(salt, "base64");
    return (name) => nodeCrypto().createHmac("sha1", key).update(name).digest("base64") === hash;
  }
  const globs = patterns.split(",").map((pattern) => {
    const negated = pattern.startsWith("!");
    return { negated, regex: globRegex(negated ? pattern.slice(1) : pattern) };
  });
  return (name) => {
    let matched = false;
    for (const { negated, regex } of globs) {
      if (!regex.test(name)) continue;
      if (negated) return false;
      matched = true;
    }
    return matched;
  };
}

function globRegex(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}
