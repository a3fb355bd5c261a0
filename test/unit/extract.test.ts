import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractEmbedded, sha256 } from "../../cmd/_esbuild.ts";

function embedded(content: string) {
  const dir = mkdtempSync(join(tmpdir(), "deployer-embed-"));
  const path = join(dir, "payload");
  writeFileSync(path, content);
  return { path, sha256: sha256(Buffer.from(content)), version: "1.0.0" };
}

test("extracts an executable copy once and reuses it", () => {
  const file = embedded("#!/bin/sh\necho hi\n");
  const cache = join(mkdtempSync(join(tmpdir(), "deployer-cache-")), "esbuild-1.0.0");
  const target = extractEmbedded(file, cache, "esbuild");
  expect(readFileSync(target, "utf8")).toBe("#!/bin/sh\necho hi\n");
  expect(statSync(target).mode & 0o111).not.toBe(0);
  const mtime = statSync(target).mtimeMs;
  expect(extractEmbedded(file, cache, "esbuild")).toBe(target);
  expect(statSync(target).mtimeMs).toBe(mtime);
  expect(readdirSync(cache)).toEqual(["esbuild"]);
});

test("a damaged cached copy is replaced", () => {
  const file = embedded("good bytes");
  const cache = join(mkdtempSync(join(tmpdir(), "deployer-cache-")), "esbuild-1.0.0");
  const target = extractEmbedded(file, cache, "esbuild");
  writeFileSync(target, "good by"); // as if a copy had been cut short
  extractEmbedded(file, cache, "esbuild");
  expect(readFileSync(target, "utf8")).toBe("good bytes");
});

test("a corrupt embedded file is refused and nothing is written", () => {
  const file = { ...embedded("payload"), sha256: "0".repeat(64) };
  const cache = join(mkdtempSync(join(tmpdir(), "deployer-cache-")), "esbuild-1.0.0");
  expect(() => extractEmbedded(file, cache, "esbuild")).toThrow("checksum mismatch");
  expect(() => readdirSync(cache)).toThrow();
});
