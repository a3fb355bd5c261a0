// The per-user cache folder: extracted esbuild, cached bundles.
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** `$XDG_CACHE_HOME/deployer` or `~/.cache/deployer`, without creating it. */
export function cachePath(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "deployer");
}

/** cachePath(), created owner-only. */
export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  const dir = cachePath(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
