// The deploy lock of Releases: one file, created atomically on the host, that names who holds it.
import { hostname } from "node:os";
import { localUsername } from "../_user.ts";
import type { Console } from "../console.ts";
import { DeployerException } from "../exceptions.ts";
import { shellQuote } from "../utils.ts";
import { randomHex } from "../_builtins.ts";

/** Runs one command on the host (as the node's user, or through sudo) and resolves to its output. */
export type Shell = (command: string) => Promise<string>;

/** The lock file, below the base directory. */
export const LOCK_FILE = ".deploy.lock";

/** What a lock file says about its holder; a field missing from a damaged file reads "?". */
export interface LockInfo {
  owner: string;
  host: string;
  pid: string;
  /** When it was taken (ISO, UTC, by the host's clock). */
  time: string;
  /** Seconds since `time` by the host's clock (since the file's mtime when `time` is unreadable). */
  ageSeconds: number;
  /** The file's content, so that exactly this lock is removed and never a newer one. */
  raw: string;
}

/** A lock this run holds. */
export interface HeldLock {
  path: string;
  token: string;
}

/** Another deploy holds the lock (or held it: `stale` when it is older than the allowed age). */
export class DeployLocked extends DeployerException {
  override readonly code = "DEPLOY_LOCKED";
  override name = "DeployLocked";
  /** `base`: the locked base directory. */
  constructor(readonly base: string, readonly holder: LockInfo, readonly stale: boolean, maxAgeSeconds: number) {
    super(stale
      ? `${base} is locked by ${describeHolder(holder)}: a stale lock (older than ${maxAgeSeconds}s), not broken; break it from an interactive run or with unlock`
      : `${base} is locked by ${describeHolder(holder)}; wait for that deploy to finish, or run unlock if it died`);
  }
}

/** `alice@laptop (pid 4242) since 2026-11-23T10:15:00Z, 2m 5s ago` */
export function describeHolder(info: LockInfo): string {
  return `${info.owner}@${info.host} (pid ${info.pid}) since ${info.time}, ${formatAge(info.ageSeconds)} ago`;
}

/** `42s`, `5m 3s`, `2h 3m`, `3d 4h`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export interface AcquireOptions {
  /** The base directory (absolute). */
  base: string;
  /** Create the base directory and its releases/ first (a deploy); otherwise it must exist. */
  create: boolean;
  /** A lock older than this is stale: the user is asked whether to break it. */
  maxAgeSeconds: number;
  /** A sandbox run checks commands only: nothing to read back, the lock counts as taken. */
  sandbox: boolean;
}

/**
 * Take the lock: `set -C` makes the shell create the file with O_EXCL, so of two deploys exactly one
 * succeeds. A fresh lock held by someone else is refused; a stale one is broken only when the user
 * says so (never when nobody can be asked).
 */
export async function acquireLock(sh: Shell, console: Console, options: AcquireOptions): Promise<HeldLock> {
  const path = `${options.base}/${LOCK_FILE}`;
  const token = randomHex(8);
  // The holder may release between our failed attempt and the look at its file: try again then.
  for (let attempt = 0; attempt < 3; attempt++) {
    const out = await sh(lockCommand(options, token));
    if (options.sandbox) return { path, token };
    const [status, ...rest] = out.split("\n");
    if (status === "acquired") return { path, token };
    if (status !== "locked") throw new DeployerException(`unexpected answer while taking ${path}: ${JSON.stringify(out.slice(0, 200))}`);
    const info = parseLock(rest);
    if (!info) continue;
    if (info.ageSeconds <= options.maxAgeSeconds) throw new DeployLocked(options.base, info, false, options.maxAgeSeconds);
    const question = `${options.base} is locked by ${describeHolder(info)}, longer than lockMaxAgeSeconds (${options.maxAgeSeconds}s): `
      + "probably a deploy that died. Break the lock and deploy?";
    console.warning(`stale deploy lock ${path}`);
    if (!await console.confirm(question, { default: false })) throw new DeployLocked(options.base, info, true, options.maxAgeSeconds);
    if (!await removeLock(sh, options.base, info.raw)) {
      throw new DeployerException(`${path} changed while asking whether to break it; not broken`);
    }
  }
  throw new DeployerException(`could not take ${path}: it kept appearing and disappearing`);
}

function lockCommand(options: AcquireOptions, token: string): string {
  const base = shellQuote(options.base);
  const fields = [`owner=${localUser()}`, `host=${hostname()}`, `pid=${process.pid}`].map((f) => shellQuote(oneLine(f)));
  const write = `printf '%s\\n' ${fields.join(" ")} "time=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${shellQuote(`token=${token}`)} > ${LOCK_FILE}`;
  return [
    options.create ? `mkdir -p -- ${base}/releases && ` : "",
    `cd -- ${base} && set -C && `,
    `if { ${write}; } 2>/dev/null; then echo acquired; `,
    `elif [ -e ${LOCK_FILE} ]; then echo locked; date -u +%s; stat -c %Y -- ${LOCK_FILE} 2>/dev/null && cat -- ${LOCK_FILE} 2>/dev/null; `,
    // Gone in between: one more attempt, this time with the shell's own error if it fails.
    `else ${write} && echo acquired; fi`,
  ].join("");
}

/** `now`, the file's mtime, then its content (as the lock command prints them); undefined when it vanished. */
function parseLock(lines: string[]): LockInfo | undefined {
  const [now, mtime, ...content] = lines;
  if (!now || !mtime || !/^\d+$/.test(now) || !/^\d+$/.test(mtime)) return undefined;
  const raw = content.join("\n");
  const fields = new Map<string, string>();
  for (const line of content) {
    const at = line.indexOf("=");
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  const time = fields.get("time") ?? "?";
  const taken = Date.parse(time);
  const since = Number.isNaN(taken) ? Number(mtime) : Math.floor(taken / 1000);
  return {
    owner: fields.get("owner") ?? "?",
    host: fields.get("host") ?? "?",
    pid: fields.get("pid") ?? "?",
    time: Number.isNaN(taken) ? new Date(Number(mtime) * 1000).toISOString().replace(/\.\d+Z$/, "Z") : time,
    ageSeconds: Number(now) - since,
    raw,
  };
}

/** The lock of `base`, or undefined when there is none. */
export async function readLock(sh: Shell, base: string): Promise<LockInfo | undefined> {
  const out = await sh(`cd -- ${shellQuote(base)} && if [ -e ${LOCK_FILE} ]; then date -u +%s; stat -c %Y -- ${LOCK_FILE} && cat -- ${LOCK_FILE}; fi`);
  return out === "" ? undefined : parseLock(out.split("\n"));
}

/** Remove the lock of `base` if its content is still `raw`; whether it was removed. */
export async function removeLock(sh: Shell, base: string, raw: string): Promise<boolean> {
  // $(…) drops trailing newlines, so compare without them.
  const expected = shellQuote(raw.replace(/\n+$/, ""));
  const out = await sh(`cd -- ${shellQuote(base)} && if [ "$(cat -- ${LOCK_FILE} 2>/dev/null)" = ${expected} ]; then rm -f -- ${LOCK_FILE} && echo removed; fi`);
  return out.trim() === "removed";
}

/** Release a lock this run holds; false when it was no longer ours (someone broke it and took it). */
export async function releaseLock(sh: Shell, lock: HeldLock): Promise<boolean> {
  const file = shellQuote(lock.path);
  const out = await sh(`if grep -qxF ${shellQuote(`token=${lock.token}`)} -- ${file} 2>/dev/null; then rm -f -- ${file} && echo released; fi`);
  return out.trim() === "released";
}

/** Who deploys. */
function localUser(): string {
  return localUsername();
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}
