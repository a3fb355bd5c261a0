// The per-user cache folder: extracted esbuild, temporary bundles.
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** `$XDG_CACHE_HOME/deployer` or `~/.cache/deployer`, created owner-only. */
export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  const dir = join(base, "deployer");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
