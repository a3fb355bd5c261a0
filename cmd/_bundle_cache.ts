// The transpile cache: a deploy.ts bundle kept with the sha256 of every file that went into it, so an
// unchanged deploy.ts is loaded without starting esbuild. DEPLOYER_NO_CACHE=1 turns it off.
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { cachePath } from "./_cache.ts";
import { ownUid } from "./_private_dir.ts";
import { sha256Hex, randomHex } from "../engine/_builtins.ts";

/** esbuild's output for one deploy.ts. */
export interface Bundle {
  code: string;
  map: string;
}

/** What a bundle depends on besides its input files; a different key is a different entry. */
export interface BundleKey {
  /** The absolute path of deploy.ts. */
  entry: string;
  /** The working directory: the source map's paths are relative to it. */
  cwd: string;
  deployer: string;
  esbuild: string;
  /** A hash of the rest of what goes into the bundle: esbuild's options, the engine's export names. */
  recipe: string;
}

/** A lookup's answer: the bundle, or why there is none (for DEPLOYER_DEBUG_BUNDLE). */
export type Lookup = { kind: "hit"; bundle: Bundle } | { kind: "miss"; reason: string };

/** The entry as stored: version 1 of the format. */
interface Entry {
  format: 1;
  key: BundleKey;
  /** Absolute path → sha256 of its content, or null where the file did not exist. */
  files: Record<string, string | null>;
  code: string;
  map: string;
}

/** Files next to an input (or above it) that change how esbuild reads it without being inputs themselves. */
const CONFIG_FILES = ["package.json", "tsconfig.json", "jsconfig.json"];
/** Entries unused for this long are removed when a new one is written. */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** A hit refreshes its entry's mtime at most this often, so pruning spares entries in use. */
const TOUCH_AFTER_MS = 24 * 3600 * 1000;

/** The cache folder (created when the first entry is written), or undefined when DEPLOYER_NO_CACHE is set. */
export function bundleCacheDir(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.DEPLOYER_NO_CACHE && env.DEPLOYER_NO_CACHE !== "0") return undefined;
  return join(cachePath(env), "bundles");
}

/** The stored bundle for `key` if every file it was made from still has the same content. */
export function lookupBundle(dir: string, key: BundleKey): Lookup {
  const path = entryPath(dir, key);
  let text: string;
  try {
    // An entry is code deployer runs: one that another user wrote, or could have, is not used.
    const stat = statSync(path);
    if (stat.uid !== ownUid() || (stat.mode & 0o022) !== 0) return { kind: "miss", reason: "the cache entry is not owned by you, or others may write it" };
    text = readFileSync(path, "utf8");
  } catch {
    return { kind: "miss", reason: "not in the cache" };
  }
  const entry = parseEntry(text);
  if (!entry || JSON.stringify(entry.key) !== JSON.stringify(key)) return { kind: "miss", reason: "unreadable cache entry" };
  for (const [file, hash] of Object.entries(entry.files)) {
    if (hashFile(file) !== hash) return { kind: "miss", reason: `${file} changed` };
  }
  touch(path);
  return { kind: "hit", bundle: { code: entry.code, map: entry.map } };
}

/**
 * Store `bundle` with the hashes of `inputs` (absolute paths of the files esbuild read) and of the
 * config files around them. Not stored when an input was modified after `startedAt` (the build may
 * have read the old content). Resolves to why it was not stored, or undefined.
 */
export function storeBundle(dir: string, key: BundleKey, inputs: readonly string[], bundle: Bundle, startedAt: number): string | undefined {
  const files: Record<string, string | null> = {};
  for (const input of inputs) {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(input).mtimeMs;
    } catch {
      return `cannot read ${input}`;
    }
    // File times come from the kernel's coarse clock, up to a tick (10 ms at most) behind Date.now().
    if (mtimeMs >= startedAt - 20) return `${input} was modified while it was bundled`;
    files[input] = hashFile(input);
    if (files[input] === null) return `cannot read ${input}`;
  }
  for (const config of configFiles(inputs)) files[config] ??= hashFile(config);
  const entry: Entry = { format: 1, key, files, code: bundle.code, map: bundle.map };
  try {
    ensurePrivateDir(dir);
    const path = entryPath(dir, key);
    const temp = `${path}.${process.pid}.${randomHex(4)}.tmp`;
    try {
      writeFileSync(temp, JSON.stringify(entry), { mode: 0o600, flag: "wx" });
      renameSync(temp, path);
    } finally {
      rmSync(temp, { force: true });
    }
    prune(dir, Date.now());
  } catch (error) {
    return `cannot write the cache: ${(error as Error).message}`;
  }
  return undefined;
}

function entryPath(dir: string, key: BundleKey): string {
  return join(dir, `${sha256Hex(JSON.stringify(key)).slice(0, 32)}.json`);
}

function parseEntry(text: string): Entry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const entry = value as Partial<Entry> | null;
  if (entry?.format !== 1 || typeof entry.code !== "string" || typeof entry.map !== "string") return undefined;
  if (typeof entry.key !== "object" || typeof entry.files !== "object" || entry.files === null) return undefined;
  if (!Object.values(entry.files).every((hash) => hash === null || typeof hash === "string")) return undefined;
  return entry as Entry;
}

/** sha256 of a file's content; null when it cannot be read (missing, a folder, no permission). */
function hashFile(path: string): string | null {
  try {
    return sha256Hex(readFileSync(path));
  } catch {
    return null;
  }
}

/** package.json, tsconfig.json and jsconfig.json in the folder of every input and every folder above. */
function configFiles(inputs: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const input of inputs) {
    for (let dir = dirname(input); !dirs.has(dir); dir = dirname(dir)) {
      dirs.add(dir);
      if (dirname(dir) === dir) break;
    }
  }
  return [...dirs].flatMap((dir) => CONFIG_FILES.map((name) => join(dir, name)));
}

/** Create `dir` owner-only, or make it so: bundles may hold passwords written in deploy.ts. */
function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

function touch(path: string): void {
  try {
    const now = Date.now();
    if (now - statSync(path).mtimeMs > TOUCH_AFTER_MS) utimesSync(path, now / 1000, now / 1000);
  } catch {
    // A read-only cache still serves hits.
  }
}

/** Remove entries (and temporary files left by a crash) not used for MAX_AGE_MS. */
function prune(dir: string, now: number): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs > MAX_AGE_MS) rmSync(path, { force: true });
    } catch {
      // Removed by another deployer meanwhile.
    }
  }
}
