// Owner-only directories: where deployer keeps what other users must neither read nor replace
// (session sockets, the bundle it is about to import, the extracted esbuild and cached bundles).
import { lstatSync, mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { CliError } from "./_errors.ts";

/** The user this process runs as. */
export function ownUid(): number {
  return process.getuid?.() ?? userInfo().uid;
}

/**
 * `dir`, created with mode 0700, or checked when it exists: a directory (not a symlink) owned by
 * this user that group and others cannot use. Anything else is refused rather than repaired, since
 * whoever could write there may already have put a socket or a file of theirs in it.
 */
export function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== ownUid()) throw new CliError(`${dir}: not a directory owned by you; remove it and try again`);
  const mode = stat.mode & 0o777;
  if (mode & 0o077) throw new CliError(`${dir}: group or others may use it (mode ${mode.toString(8).padStart(4, "0")}); run: chmod 700 ${dir}`);
  return dir;
}
