// Running the real compiled binary (and the sources under Deno) from tests.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "..", "..");
export const BINARY = join(ROOT, "dist", "deployer");

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run dist/deployer with `args`; the binary must have been built (npm test builds it). */
export function deployer(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; binary?: string } = {}): Run {
  const binary = options.binary ?? BINARY;
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`bun build.ts\` (npm test does)`);
  const result = spawnSync(binary, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? { ...process.env, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh folder holding `files` (name → content); returns its path. */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "deployer-e2e-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** The lines of a stream's text, without the trailing empty one. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line, i, all) => i < all.length - 1 || line !== "");
}
