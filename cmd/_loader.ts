// Loading a deploy.ts: bundle it with esbuild in memory (or take the cached bundle), import it, find the root node.
// DEPLOYER_DEBUG_BUNDLE=1 says on stderr whether the bundle was cached or built, and why.
import { existsSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BuildOptions, Message, Plugin } from "esbuild";
import * as engine from "../engine/index.ts";
import { CliError } from "./_errors.ts";
import { bundleCacheDir, lookupBundle, storeBundle, type Bundle, type BundleKey, type Lookup } from "./_bundle_cache.ts";
import { esbuildVersion, loadEsbuild } from "./_esbuild.ts";
import { ownUid, privateDir } from "./_private_dir.ts";
import { VERSION } from "./_version.ts";
import { nodeVm, randomHex, sha256Hex } from "../engine/_builtins.ts";

/** Where the bundled user code finds the engine: one instance, shared with the binary. */
const ENGINE_KEY = Symbol.for("deployer.engine");
/** The esbuild namespace of `deployer` imports: a virtual module, not a file. */
const ENGINE_NAMESPACE = "deployer-engine";

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
  const root = request?.root ?? findRoot(module, file);
  await checkTree(root, file);
  return { file, root, extraLoggers: request?.extraLoggers ?? [] };
}

/**
 * Build every node of the tree once, so a broken definition (cyclic child nodes, an override of a
 * missing child, an unprintable child name, a field initialiser that throws) is one line naming the
 * file now, in every run mode, not a hang or an internal error when the shell or an action reaches it.
 */
async function checkTree(root: engine.NodeClass, file: string): Promise<void> {
  try {
    const env = new engine.Env(new root());
    try {
      for (const _ of new engine.Inspector(env).walk()) { /* creating each node checks it */ }
    } finally {
      await engine.Env.close(env);
    }
  } catch (error) {
    const where = engine.userLocation(error) ?? file;
    throw new CliError(`${where}: error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
}

/** The bundle from the cache when none of its files changed; otherwise esbuild's, stored for next time. */
async function bundle(absolute: string, cwd: string): Promise<Bundle> {
  const started = performance.now();
  // Straight to fd 2: making process.stderr would add its own cost to the start-up this line measures.
  const trace = process.env.DEPLOYER_DEBUG_BUNDLE ? (line: string) => writeSync(2, `deployer: bundle: ${line}\n`) : undefined;
  const dir = bundleCacheDir();
  // What this deployer feeds esbuild besides the files (a development build keeps its VERSION).
  const recipe = sha256Hex(JSON.stringify(buildOptions(absolute, cwd)), engineModuleSource());
  const key: BundleKey = { entry: absolute, cwd, deployer: VERSION, esbuild: await esbuildVersion(), recipe };
  const lookup: Lookup = dir ? lookupBundle(dir, key) : { kind: "miss", reason: "DEPLOYER_NO_CACHE is set" };
  if (lookup.kind === "hit") {
    trace?.(`cached (${elapsed(started)})`);
    return lookup.bundle;
  }
  const startedAt = Date.now();
  const { bundle, inputs } = await build(absolute, cwd);
  const notStored = dir ? storeBundle(dir, key, inputs, bundle, startedAt) : undefined;
  trace?.(`built (${elapsed(started)}; ${lookup.reason})${notStored ? `; not cached: ${notStored}` : ""}`);
  return bundle;
}

/** esbuild's options for `absolute`, but for the plugin that serves the engine (engineModuleSource()). */
function buildOptions(absolute: string, cwd: string) {
  return {
    entryPoints: [absolute],
    absWorkingDir: cwd,
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    // Class fields become constructor assignments: JavaScriptCore reports field initialisers as
    // "unknown:1:1" in stack traces, which would lose where a query or a failing field was written.
    supported: { "class-field": false },
    // Messages name nodes by their class: keep the names as written, not the ones bundling gives
    // a class whose name another file also uses (Root2) or that refers to itself (_Root).
    keepNames: true,
    sourcemap: "external",
    // Never written: it only makes the source map's paths relative to the working directory.
    outfile: join(cwd, "deploy.bundle.mjs"),
    logLevel: "silent",
    banner: { js: 'import { createRequire as __deployerCreateRequire } from "node:module"; const require = __deployerCreateRequire(import.meta.url);' },
  } satisfies BuildOptions;
}

/** esbuild's bundle of `absolute`, and the absolute paths of the files it read. */
async function build(absolute: string, cwd: string): Promise<{ bundle: Bundle; inputs: string[] }> {
  const esbuild = await loadEsbuild();
  try {
    const result = await esbuild.build({ ...buildOptions(absolute, cwd), plugins: [enginePlugin()] });
    const js = result.outputFiles.find((f) => f.path.endsWith(".mjs"))!;
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))!;
    // Paths relative to absWorkingDir; the engine's virtual module is named "deployer-engine:…".
    const inputs = Object.keys(result.metafile.inputs).filter((path) => !path.startsWith(`${ENGINE_NAMESPACE}:`)).map((path) => resolve(cwd, path));
    return { bundle: { code: js.text, map: map.text }, inputs };
  } catch (error) {
    const messages = (error as { errors?: Message[] }).errors;
    if (!messages?.length) throw error;
    throw new CliError(formatBuildMessage(messages[0]!, cwd) + (messages.length > 1 ? ` (and ${messages.length - 1} more errors)` : ""));
  }
}

function elapsed(since: number): string {
  return `${(performance.now() - since).toFixed(1)} ms`;
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
      build.onResolve({ filter: /^deployer(\/.*)?$/ }, (args) => ({ path: args.path, namespace: ENGINE_NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: ENGINE_NAMESPACE }, () => ({
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
  // Checked, not only created: a directory someone else can write to would let them swap the file.
  const dir = privateDir(join(tmpdir(), `deployer-${ownUid()}`));
  removeStaleBundles(dir);
  const path = join(dir, `bundle-${process.pid}-${randomHex(6)}.mjs`);
  engine.registerSourceMap(path, map);
  writeFileSync(path, code, { mode: 0o600 });
  try {
    return await evaluate(path);
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
      throw new CliError(`interrupted (SIGINT) while loading ${file}: its top-level code had not finished (an endless loop?)`, 130);
    }
    const where = engine.userLocation(error) ?? file;
    throw new CliError(`${where}: error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  } finally {
    rmSync(path, { force: true });
  }
}

/** Bundle files left by processes that were killed while they imported (a SIGKILL skips the clean-up). */
function removeStaleBundles(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(/^bundle-(\d+)-[0-9a-f]+\.mjs$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isAlive(pid)) rmSync(join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Where evaluate() leaves the function the interruptible script calls. */
const EVALUATE_KEY = Symbol.for("deployer.evaluate");

/**
 * Import the module at `path`. Under Bun its top-level code runs inside a vm script with
 * breakOnSigint, so Ctrl-C stops an endless loop there with an error (ERR_SCRIPT_EXECUTION_INTERRUPTED)
 * instead of killing the process without a word; a plain import could not, since no signal handler
 * runs while the loop holds the thread. A module with top-level await cannot be required: from its
 * first await on, it is imported as usual (and Ctrl-C ends the process as it did before).
 */
async function evaluate(path: string): Promise<Record<string, unknown>> {
  if (typeof Bun !== "undefined") {
    try {
      return interruptibly(() => require(path) as Record<string, unknown>);
    } catch (error) {
      if (!/^require\(\) async module /.test((error as Error | undefined)?.message ?? "")) throw error;
    }
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

/** `fn()`, run where SIGINT interrupts it with ERR_SCRIPT_EXECUTION_INTERRUPTED. */
function interruptibly<T>(fn: () => T): T {
  const global = globalThis as Record<symbol, unknown>;
  global[EVALUATE_KEY] = fn;
  const hadListeners = process.listenerCount("SIGINT") > 0;
  try {
    return new (nodeVm().Script)(`globalThis[Symbol.for("deployer.evaluate")]()`).runInThisContext({ breakOnSigint: true }) as T;
  } finally {
    delete global[EVALUATE_KEY];
    // breakOnSigint leaves Bun's own SIGINT handler in place, which ignores the signal when nobody
    // listens; adding and removing a listener gives SIGINT its default action (ending the process) back.
    if (!hadListeners) {
      const nobody = (): void => {};
      process.on("SIGINT", nobody).off("SIGINT", nobody);
    }
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
