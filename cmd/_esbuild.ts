// Getting esbuild: from node_modules when running from source, extracted from the binary otherwise.
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "./_cache.ts";
import { embeddedEsbuild, type EmbeddedFile } from "./_embedded.ts";

type Esbuild = typeof import("esbuild");

let loaded: Promise<Esbuild> | undefined;

/** esbuild's API, with its executable extracted to the cache first when it is embedded. */
export function loadEsbuild(): Promise<Esbuild> {
  return (loaded ??= (async () => {
    if (embeddedEsbuild && !process.env.ESBUILD_BINARY_PATH) {
      process.env.ESBUILD_BINARY_PATH = extractEmbedded(embeddedEsbuild, join(cacheDir(), `esbuild-${embeddedEsbuild.version}`), "esbuild");
    }
    return await import("esbuild");
  })());
}

/**
 * Copy an embedded executable to `dir/name` unless a verified copy is already there.
 * Written to a temporary name and renamed, so a crash never leaves a half-written executable.
 */
export function extractEmbedded(file: EmbeddedFile, dir: string, name: string): string {
  const target = join(dir, name);
  if (existsSync(target) && sha256(readFileSync(target)) === file.sha256) return target;
  const bytes = readFileSync(file.path);
  if (sha256(bytes) !== file.sha256) throw new Error(`the ${name} embedded in deployer is corrupt (checksum mismatch)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, bytes, { mode: 0o700 });
    chmodSync(temp, 0o755);
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
  return target;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
