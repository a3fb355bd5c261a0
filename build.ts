// Builds dist/deployer: one executable with the engine, the CLI and esbuild's executable inside.
//   bun build.ts
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import type { BunPlugin } from "bun";
import { generateDeclarations } from "./cmd/_types.ts";
import { PARTS } from "./engine/_parts.ts";

const root = import.meta.dir;
const outfile = join(root, "dist", "deployer");

/** The esbuild executable for this platform, from the @esbuild/<platform> package npm installed. */
function esbuildExecutable(): { path: string; version: string } {
  const require = createRequire(join(root, "package.json"));
  const esbuildDir = dirname(require.resolve("esbuild/package.json"));
  const version = JSON.parse(readFileSync(join(esbuildDir, "package.json"), "utf8")).version as string;
  const platformPackage = `@esbuild/${process.platform}-${process.arch}`;
  const path = createRequire(join(esbuildDir, "package.json")).resolve(`${platformPackage}/bin/esbuild`);
  return { path, version };
}

/** Replaces cmd/_embedded.ts with a module that embeds esbuild's executable as a file. */
function embedEsbuild(): BunPlugin {
  const { path, version } = esbuildExecutable();
  const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
  const source = [
    `import path from ${JSON.stringify(path)} with { type: "file" };`,
    `export const embeddedEsbuild = { path, sha256: ${JSON.stringify(sha256)}, version: ${JSON.stringify(version)} };`,
  ].join("\n");
  const target = resolve(root, "cmd", "_embedded.ts");
  return {
    name: "embed-esbuild",
    setup(build) {
      build.onLoad({ filter: /cmd[\\/]_embedded\.ts$/ }, (args) => (args.path === target ? { contents: source, loader: "ts" } : undefined as never));
    },
  };
}

/** Replaces cmd/_declarations.ts with the engine's type declarations, made with tsc now (for `deployer types`). */
function embedDeclarations(): BunPlugin {
  const source = `export const embeddedDeclarations = ${JSON.stringify(generateDeclarations(root))};\n`;
  const target = resolve(root, "cmd", "_declarations.ts");
  return {
    name: "embed-declarations",
    setup(build) {
      build.onLoad({ filter: /cmd[\\/]_declarations\.ts$/ }, (args) => (args.path === target ? { contents: source, loader: "ts" } : undefined as never));
    },
  };
}

/** Ink imports react-devtools-core only when DEV is set; the binary never ships it, so it resolves to nothing. */
function stubReactDevtools(): BunPlugin {
  return {
    name: "stub-react-devtools",
    setup(build) {
      build.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: "react-devtools-core", namespace: "stub" }));
      build.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export default { initialize() {}, connectToDevTools() {} };", loader: "js" }));
    },
  };
}

/**
 * Ink hides every frame but the last when CI or CONTINUOUS_INTEGRATION is set (is-in-ci), so a
 * question would stay invisible until answered. deployer itself decides whether a person is there
 * (a terminal, not --non-interactive), so in the binary Ink is never in CI mode.
 */
function stubIsInCi(): BunPlugin {
  return {
    name: "stub-is-in-ci",
    setup(build) {
      build.onResolve({ filter: /^is-in-ci$/ }, () => ({ path: "is-in-ci", namespace: "stub-ci" }));
      build.onLoad({ filter: /.*/, namespace: "stub-ci" }, () => ({ contents: "export default false;", loader: "js" }));
    },
  };
}

/**
 * ssh2's `require("crypto")` gets node:crypto with a ChaCha20 where the runtime has none
 * (engine/host/_ssh2_crypto.ts). Bun's bundler resolves built-ins before plugins see them, so the
 * require is rewritten in ssh2's own files as they load.
 */
function ssh2Crypto(): BunPlugin {
  const shim = JSON.stringify(join(root, "engine", "host", "_ssh2_crypto.ts"));
  return {
    name: "ssh2-crypto",
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]ssh2[\\/]lib[\\/].*\.js$/ }, async (args) => {
        const source = await Bun.file(args.path).text();
        return { contents: source.replace(/\brequire\((['"])crypto\1\)/g, `require(${shim}).ssh2Crypto`), loader: "js" };
      });
    },
  };
}

const result = await Bun.build({
  // The parts (engine/_parts.ts) are entry points of their own, loaded when first used; their paths
  // in the binary are their paths from `root`.
  entrypoints: [join(root, "cmd", "deployer.ts"), ...PARTS.map((part) => join(root, part))],
  root,
  compile: { outfile },
  target: "bun",
  // Precompiled bytecode: start-up no longer parses ~2 MB of JavaScript (--version 68 → 24 ms).
  // ESM bytecode needs compile; the entry uses top-level await, so ESM it is.
  bytecode: true,
  format: "esm",
  sourcemap: "linked",
  minify: { syntax: true, whitespace: true, identifiers: false },
  // Only loaded under Deno or Node, where Bun's own PTY is not available.
  external: ["node-pty"],
  plugins: [embedEsbuild(), embedDeclarations(), stubReactDevtools(), stubIsInCi(), ssh2Crypto()],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${outfile}`);
