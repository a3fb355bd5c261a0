// Loading a deploy.ts: bundle it with esbuild in memory, import it, find the root node.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Message, Plugin } from "esbuild";
import * as engine from "../engine/index.ts";
import { CliError } from "./_errors.ts";
import { loadEsbuild } from "./_esbuild.ts";

/** Where the bundled user code finds the engine: one instance, shared with the binary. */
const ENGINE_KEY = Symbol.for("deployer.engine");

export interface DeployFile {
  /** The path as the user gave it. */
  file: string;
  root: engine.NodeClass;
  /** Loggers the script attached with start(Root, { extraLoggers }). */
  extraLoggers: engine.Logger[];
}

/** Bundle, import and check `file`; every failure is a one-line CliError naming the file. */
export async function loadDeployFile(file: string, cwd: string): Promise<DeployFile> {
  const absolute = resolve(cwd, file);
  if (!existsSync(absolute)) throw new CliError(`${file}: no such file`);
  if (!statSync(absolute).isFile()) throw new CliError(`${file}: not a file`);
  const { code, map } = await bundle(absolute, cwd);
  const { value: module, request } = await engine.collectStartRequest(() => importBundle(code, map, file));
  if (request && !engine.isNodeClass(request.root)) throw new CliError(`${file}: start() needs a Node subclass as its root, not ${describe(request.root)}`);
  return { file, root: request?.root ?? findRoot(module, file), extraLoggers: request?.extraLoggers ?? [] };
}

async function bundle(absolute: string, cwd: string): Promise<{ code: string; map: string }> {
  const esbuild = await loadEsbuild();
  try {
    const result = await esbuild.build({
      entryPoints: [absolute],
      absWorkingDir: cwd,
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "es2022",
      // Class fields become constructor assignments: JavaScriptCore reports field initialisers as
      // "unknown:1:1" in stack traces, which would lose where a query or a failing field was written.
      supported: { "class-field": false },
      sourcemap: "external",
      // Never written: it only makes the source map's paths relative to the working directory.
      outfile: join(cwd, "deploy.bundle.mjs"),
      logLevel: "silent",
      plugins: [enginePlugin()],
      banner: { js: 'import { createRequire as __deployerCreateRequire } from "node:module"; const require = __deployerCreateRequire(import.meta.url);' },
    });
    const js = result.outputFiles.find((f) => f.path.endsWith(".mjs"))!;
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))!;
    return { code: js.text, map: map.text };
  } catch (error) {
    const messages = (error as { errors?: Message[] }).errors;
    if (!messages?.length) throw error;
    throw new CliError(formatBuildMessage(messages[0]!, cwd) + (messages.length > 1 ? ` (and ${messages.length - 1} more errors)` : ""));
  }
}

/** `file:line:column: error: text`, the way compilers say it. */
function formatBuildMessage(message: Message, cwd: string): string {
  const text = message.text.split("\n")[0];
  const loc = message.location;
  if (!loc) return `error: ${text}`;
  const file = relative(cwd, resolve(cwd, loc.file)) || loc.file;
  return `${file}:${loc.line}:${loc.column + 1}: error: ${text}`;
}

/** Resolves `deployer` and `deployer/...` to the engine inside this binary. */
function enginePlugin(): Plugin {
  return {
    name: "deployer-engine",
    setup(build) {
      build.onResolve({ filter: /^deployer(\/.*)?$/ }, (args) => ({ path: args.path, namespace: "deployer-engine" }));
      build.onLoad({ filter: /.*/, namespace: "deployer-engine" }, () => ({
        contents: engineModuleSource(),
        loader: "js",
      }));
    },
  };
}

function engineModuleSource(): string {
  const names = Object.keys(engine).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
  return `const engine = globalThis[Symbol.for("deployer.engine")];\nexport const { ${names.join(", ")} } = engine;\n`;
}

/**
 * Import the bundle from an owner-only temporary file (deploy.ts may hold passwords),
 * removed as soon as it is loaded.
 */
async function importBundle(code: string, map: string, file: string): Promise<Record<string, unknown>> {
  (globalThis as Record<symbol, unknown>)[ENGINE_KEY] = engine;
  const dir = join(tmpdir(), `deployer-${process.getuid?.() ?? "user"}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `bundle-${process.pid}-${randomBytes(6).toString("hex")}.mjs`);
  engine.registerSourceMap(path, map);
  writeFileSync(path, code, { mode: 0o600 });
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const where = engine.userLocation(error) ?? file;
    throw new CliError(`${where}: error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  } finally {
    rmSync(path, { force: true });
  }
}

/** The default export if it is a Node subclass, else a named `root` export. */
function findRoot(module: Record<string, unknown>, file: string): engine.NodeClass {
  for (const name of ["default", "root"]) {
    if (engine.isNodeClass(module[name])) return module[name];
  }
  const exported = Object.keys(module).map((name) => `${name} (${describe(module[name])})`);
  const found = exported.length ? `it exports ${exported.join(", ")}` : "it exports nothing";
  throw new CliError(`${file}: no root node: export default a Node subclass (or export it as "root"); ${found}`);
}

function describe(value: unknown): string {
  if (engine.isNodeClass(value)) return "a Node class";
  if (typeof value === "function") return /^class[\s{]/.test(Function.prototype.toString.call(value)) ? "a class that is not a Node" : "a function";
  if (value instanceof engine.Node) return "a Node instance, not a class";
  return value === null ? "null" : typeof value;
}
