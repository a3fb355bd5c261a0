// Getting esbuild: from node_modules when running from source, extracted from the binary otherwise.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "./_cache.ts";
import { importPart } from "../engine/_parts.ts";
import { embeddedEsbuild, type EmbeddedFile } from "./_embedded.ts";
import { sha256Hex, randomHex } from "../engine/_builtins.ts";

type Esbuild = typeof import("esbuild");

let loaded: Promise<Esbuild> | undefined;

/** esbuild's API, with its executable extracted to the cache first when it is embedded. */
export function loadEsbuild(): Promise<Esbuild> {
  return (loaded ??= (async () => {
    if (embeddedEsbuild && !process.env.ESBUILD_BINARY_PATH) {
      const cache = cacheDir();
      const dir = join(cache, `esbuild-${embeddedEsbuild.version}`);
      process.env.ESBUILD_BINARY_PATH = extractEmbedded(embeddedEsbuild, dir, "esbuild", join(cache, `.esbuild-${embeddedEsbuild.version}.verified`));
    }
    return ((await importPart("cmd/_esbuild_api.ts")) as typeof import("./_esbuild_api.ts")).api;
  })());
}

/** The esbuild version bundles are made with, without loading or extracting it when it is embedded. */
export async function esbuildVersion(): Promise<string> {
  return embeddedEsbuild?.version ?? (await loadEsbuild()).version;
}

/**
 * Copy an embedded executable to `dir/name` unless a verified copy is already there.
 * Written to a temporary name and renamed, so a crash never leaves a half-written executable.
 * With `stamp`, a copy verified once is trusted while its inode, size and ctime stay the same
 * (ctime changes with any write and cannot be set back), which spares hashing ~10 MB at every start.
 */
export function extractEmbedded(file: EmbeddedFile, dir: string, name: string, stamp?: string): string {
  const target = join(dir, name);
  if (stamp && stampMatches(stamp, target, file.sha256)) return target;
  if (!(existsSync(target) && sha256(readFileSync(target)) === file.sha256)) {
    const bytes = readFileSync(file.path);
    if (sha256(bytes) !== file.sha256) throw new Error(`the ${name} embedded in deployer is corrupt (checksum mismatch)`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = `${target}.${process.pid}.${randomHex(4)}.tmp`;
    try {
      writeFileSync(temp, bytes, { mode: 0o700 });
      chmodSync(temp, 0o755);
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
  }
  if (stamp) writeStamp(stamp, target, file.sha256);
  return target;
}

export function sha256(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

function fileIdentity(path: string, hash: string): string {
  const stat = statSync(path, { bigint: true });
  return `${hash} ${stat.ino} ${stat.size} ${stat.ctimeNs}\n`;
}

function stampMatches(stamp: string, target: string, hash: string): boolean {
  try {
    return readFileSync(stamp, "utf8") === fileIdentity(target, hash);
  } catch {
    return false;
  }
}

/** Best effort: without a stamp the next start hashes the copy again. */
function writeStamp(stamp: string, target: string, hash: string): void {
  const temp = `${stamp}.${process.pid}.${randomHex(4)}.tmp`;
  try {
    writeFileSync(temp, fileIdentity(target, hash), { mode: 0o600 });
    renameSync(temp, stamp);
  } catch {
    rmSync(temp, { force: true });
  }
}
