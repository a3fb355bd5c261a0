// The per-user cache folder: extracted esbuild, cached bundles.
import { homedir } from "node:os";
import { join } from "node:path";
import { privateDir } from "./_private_dir.ts";

/** `$XDG_CACHE_HOME/deployer` or `~/.cache/deployer`, without creating it. */
export function cachePath(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "deployer");
}

/** cachePath(), created owner-only, or checked to be: deployer runs the esbuild it extracts there. */
export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  return privateDir(cachePath(env));
}
