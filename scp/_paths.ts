// Paths on both sides: resolving what the user typed, listing directories for completion
// (remote listings cached, refreshed after changes or when old), and expanding globs.
import { readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { posix, resolve as resolveLocal } from "node:path";
import type { FileStat, Host } from "../engine/index.ts";

/** An entry of a listing: its name and whether it is a directory. */
export interface Entry {
  name: string;
  isDir: boolean;
}

const CACHE_MS = 10_000;

/** Remote directory listings, cached per directory for a short while and dropped after changes. */
export class RemoteListings {
  private readonly cache = new Map<string, { at: number; entries: Promise<Entry[]> }>();

  constructor(private readonly host: Host) {}

  list(dir: string): Promise<Entry[]> {
    const cached = this.cache.get(dir);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.entries;
    const entries = this.host.files().then((fs) => fs.readdir(dir)).then((stats: FileStat[]) => stats.map((s) => ({ name: s.filename, isDir: s.isDir })));
    this.cache.set(dir, { at: Date.now(), entries });
    entries.catch(() => this.cache.delete(dir));
    return entries;
  }

  /** Forget `dir` (after a put, a mkdir, a cd into it). */
  invalidate(dir: string): void {
    this.cache.delete(dir);
  }
}

/** A local directory's entries (cheap, never cached). */
export function listLocal(dir: string): Entry[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .map((e) => ({ name: e.name, isDir: e.isDirectory() || (e.isSymbolicLink() && isLocalDir(resolveLocal(dir, e.name))) }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return [];
  }
}

export function isLocalDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A remote path as typed, made absolute against `cwd` (`~` is the login home). */
export function remotePath(typed: string, cwd: string, home: string): string {
  if (typed === "~" || typed.startsWith("~/")) return posix.normalize(home + typed.slice(1));
  return posix.resolve(cwd, typed);
}

/** A local path as typed, made absolute against `cwd` (`~` is this user's home). */
export function localPath(typed: string, cwd: string): string {
  if (typed === "~" || typed.startsWith("~/")) return homedir() + typed.slice(1);
  return resolveLocal(cwd, typed);
}

export const hasGlob = (s: string) => /[*?[]/.test(s);

/** A glob over the last path component (`conf/*.conf`), as a regular expression. */
export function globRegex(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
}

/** `~/x/y` style display of an absolute path under `home`. */
export function tildify(path: string, home: string): string {
  if (home && home !== "/" && (path === home || path.startsWith(`${home}/`))) return `~${path.slice(home.length)}`;
  return path;
}
