// `deployer types [DIR]`: the engine's type declarations in DIR/node_modules/deployer, where
// TypeScript (and so an editor) resolves `import … from "deployer"` with nothing installed.
// The declarations are made with tsc from engine/index.ts: by build.ts, which embeds them, or on
// the fly when running from source.
import { nodeChildProcess } from "../engine/_builtins.ts";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ParsedArgs } from "./_args.ts";
import { embeddedDeclarations } from "./_declarations.ts";
import { CliError } from "./_errors.ts";
import { VERSION } from "./_version.ts";
import type { Io } from "./index.ts";

const PACKAGE_DIR = join("node_modules", "deployer");
/** The package.json field that marks a node_modules/deployer as ours to replace. */
const MARKER = "writtenBy";

/** Compiler options for editing a deploy.ts: strict, resolved like esbuild bundles it, never emitting. */
const EDITOR_COMPILER_OPTIONS = {
  target: "ES2022",
  lib: ["ES2023", "ESNext.Disposable", "ESNext.Decorators"],
  module: "ESNext",
  moduleResolution: "bundler",
  allowImportingTsExtensions: true,
  isolatedModules: true,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
} as const;

const TSCONFIG_MARK = "Written by deployer";
const EDITOR_TSCONFIG = JSON.stringify({ compilerOptions: EDITOR_COMPILER_OPTIONS }, null, 2).replace("{\n", [
  "{",
  `  // ${TSCONFIG_MARK} for editors and \`tsc --noEmit\`. deploy.ts runs inside the deployer binary,`,
  "  // which bundles it with esbuild; \"deployer\" resolves to node_modules/deployer (`deployer types`).",
  "  // For process.env, Buffer or console, add Node's types: npm i -D @types/node",
  "",
].join("\n")) + "\n";

/** One thing writeEditorSupport wrote, or found and kept. */
export interface Written {
  path: string;
  kept: boolean;
  note: string;
}

/** "wrote PATH (note)" lines, with paths relative to `cwd`. */
export function describeWritten(cwd: string, written: readonly Written[]): string {
  return written.map((w) => `${w.kept ? "kept" : "wrote"} ${relative(cwd, w.path) || "."}${w.note ? ` (${w.note})` : ""}\n`).join("");
}

export async function typesCommand(args: ParsedArgs, io: Io): Promise<number> {
  const given = args.positional.DIR ?? ".";
  const dir = resolve(io.cwd, given);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${given}: no such directory`);
  io.stdout.write(describeWritten(io.cwd, writeEditorSupport(dir, { force: args.options.force === true })));
  return 0;
}

/**
 * Write dir/node_modules/deployer (replacing an earlier copy) and, unless present, dir/tsconfig.json.
 * Refuses, before writing anything, to replace a node_modules/deployer it did not write unless `force`.
 */
export function writeEditorSupport(dir: string, options: { force: boolean }): Written[] {
  const target = join(dir, PACKAGE_DIR);
  if (existsSync(target) && !options.force && !writtenByUs(join(target, "package.json"))) {
    throw new CliError(`${join(dir, PACKAGE_DIR)} holds another package (not written by deployer): use --force to replace it`);
  }
  const files = declarations();
  rmSync(target, { recursive: true, force: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    writeFileSync(join(target, path), content);
  }
  const manifest = {
    name: "deployer",
    version: VERSION,
    private: true,
    description: "Type declarations for deploy.ts files; the code itself is inside the deployer binary.",
    types: "index.d.ts",
    [MARKER]: `deployer types ${VERSION}`,
  };
  writeFileSync(join(target, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const written: Written[] = [{ path: target, kept: false, note: `type declarations of deployer ${VERSION}, for editors` }];
  const tsconfig = join(dir, "tsconfig.json");
  if (existsSync(tsconfig)) {
    const ours = readFileSync(tsconfig, "utf8").includes(TSCONFIG_MARK);
    written.push({ path: tsconfig, kept: true, note: ours ? "" : `already there; "deployer" needs "moduleResolution": "bundler" (or "node16")` });
  } else {
    writeFileSync(tsconfig, EDITOR_TSCONFIG);
    written.push({ path: tsconfig, kept: false, note: "" });
  }
  return written;
}

function writtenByUs(manifest: string): boolean {
  try {
    return typeof JSON.parse(readFileSync(manifest, "utf8"))[MARKER] === "string";
  } catch {
    return false;
  }
}

/** The embedded declarations, or (running from source) freshly generated ones. */
function declarations(): Readonly<Record<string, string>> {
  if (embeddedDeclarations) return embeddedDeclarations;
  try {
    return generateDeclarations(fileURLToPath(new URL("..", import.meta.url)));
  } catch (error) {
    throw new CliError(`cannot make the type declarations from source: ${error instanceof Error ? error.message : String(error)}`, 70);
  }
}

// Node.js types the public API mentions, declared here so the package needs no @types/node.
// Kept minimal, so Node's own streams and Buffers (when a user has @types/node) fit them.
const STAND_INS_FILE = "_nodejs.d.ts";
const STAND_INS = `// Stand-ins for the few Node.js types deployer's API mentions, so these declarations need no @types/node.
/** A readable stream (node:stream's Readable, as far as deployer's API needs one). */
export interface Readable extends AsyncIterable<any> {
    on(event: string, listener: (...args: any[]) => void): this;
}
/** A writable stream (node:stream's Writable, as far as deployer's API needs one). */
export interface Writable {
    write(chunk: any, callback?: (error?: Error | null) => void): boolean;
    on(event: string, listener: (...args: any[]) => void): this;
}
/** Node's Buffer is a Uint8Array. */
export type Buffer = Uint8Array;
export interface AbortSignal {
    readonly aborted: boolean;
    readonly reason: any;
}
`;
const IMPORTABLE = new Set(["Readable", "Writable"]);
const GLOBALS = ["Buffer", "AbortSignal"];

/**
 * The declarations of `root`/engine/index.ts and every file they reach, by path inside the
 * package, with Node.js types replaced by stand-ins. Checked with tsc against a consumer that
 * has no @types at all (and skipLibCheck off): anything else the API leaks fails here, at build time.
 */
export function generateDeclarations(root: string): Record<string, string> {
  const tsc = join(root, "node_modules", ".bin", "tsc");
  if (!existsSync(tsc)) throw new Error(`no TypeScript compiler at ${tsc} (npm ci installs it)`);
  const work = mkdtempSync(join(tmpdir(), "deployer-types-"));
  try {
    const out = join(work, "out");
    writeFileSync(join(work, "tsconfig.json"), JSON.stringify({
      extends: join(root, "tsconfig.json"),
      compilerOptions: {
        noEmit: false, declaration: true, emitDeclarationOnly: true, outDir: out,
        rootDir: join(root, "engine"), typeRoots: [join(root, "node_modules", "@types")],
      },
      include: [],
      files: [join(root, "engine", "index.ts")],
    }));
    compile(tsc, work, "emitting declarations for engine/index.ts");
    const files = { ...rewrite(reachable(out)), [STAND_INS_FILE]: STAND_INS };
    verify(tsc, files, join(work, "check"));
    return files;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function compile(tsc: string, project: string, what: string): void {
  const result = nodeChildProcess().spawnSync(tsc, ["-p", project], { encoding: "utf8" });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0 || output) throw new Error(`${what}: tsc says:\n${output || `exit status ${result.status}`}`);
}

const SPECIFIER = /\bfrom\s+"([^"]+)"|\bimport\s*\(\s*"([^"]+)"\s*\)|^\s*import\s+"([^"]+)"|^\/\/\/\s*<reference\s+(?:types|path)="([^"]+)"/gm;

/** index.d.ts and the declaration files its imports reach, by path relative to `out`. */
function reachable(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (path: string): void => {
    if (path in files) return;
    const file = join(out, path);
    if (!existsSync(file)) throw new Error(`tsc emitted no ${path}`);
    files[path] = readFileSync(file, "utf8");
    for (const match of files[path].matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? match[4]!;
      if (specifier.startsWith(".")) visit(posix.join(posix.dirname(path), specifier.replace(/\.(ts|tsx|js|mjs)$/, "") + ".d.ts"));
    }
  };
  visit("index.d.ts");
  return files;
}

/** Replace imports of node:* modules and uses of Node's globals with the stand-ins. */
function rewrite(files: Record<string, string>): Record<string, string> {
  const rewritten: Record<string, string> = {};
  for (const [path, original] of Object.entries(files)) {
    const standIns = posix.relative(posix.dirname(path), STAND_INS_FILE).replace(/^(?!\.)/, "./").replace(/\.d\.ts$/, ".ts");
    const imported = new Set<string>();
    let text = original.replace(/^\/\/\/\s*<reference\s+types="(node|bun|bun-types)"\s*\/>\n/gm, "");
    text = text.replace(/^import (type )?\{([^}]*)\} from "node:([\w/]+)";\n/gm, (_line, _type, list: string, module: string) => {
      const names = list.split(",").map((name) => name.trim().replace(/^type\s+/, "")).filter(Boolean);
      // Only ParallelActionResult's [inspect.custom]() uses node:util; editors do not need it.
      if (module === "util" && names.join() === "inspect") return "";
      const unknown = names.filter((name) => !IMPORTABLE.has(name));
      if (unknown.length) throw new Error(`${path} uses ${unknown.join(", ")} from node:${module}: add a stand-in to STAND_INS in cmd/_types.ts`);
      for (const name of names) imported.add(name);
      return "";
    });
    text = text.replace(/^\s*\[inspect\.custom\]\(\): string;\n/gm, "");
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? match[4]!;
      if (!specifier.startsWith(".")) throw new Error(`${path} refers to "${specifier}", which a user's editor does not have: keep it out of the public API, or add a stand-in in cmd/_types.ts`);
    }
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    for (const name of GLOBALS) if (new RegExp(`\\b${name}\\b`).test(code)) imported.add(name);
    if (imported.size) text = `import type { ${[...imported].join(", ")} } from "${standIns}";\n${text}`;
    rewritten[path] = text;
  }
  return rewritten;
}

/** Type-check the package as a user without any @types would, checking the declarations themselves too. */
function verify(tsc: string, files: Record<string, string>, dir: string): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, PACKAGE_DIR, path)), { recursive: true });
    writeFileSync(join(dir, PACKAGE_DIR, path), content);
  }
  writeFileSync(join(dir, PACKAGE_DIR, "package.json"), JSON.stringify({ name: "deployer", types: "index.d.ts" }));
  writeFileSync(join(dir, "check.ts"), `import * as deployer from "deployer";\nexport type Api = typeof deployer;\n`);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { ...EDITOR_COMPILER_OPTIONS, skipLibCheck: false, types: [] },
    files: ["check.ts"],
  }));
  compile(tsc, dir, "checking the declarations without @types/node");
}
