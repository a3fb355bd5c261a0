// `deployer run FILE [-- NODE... ACTION ARG...]`: load the file, then run one action (or the shell).
import { inspect } from "node:util";
import * as engine from "../engine/index.ts";
import type { ParsedArgs } from "./_args.ts";
import { CliError } from "./_errors.ts";
import type { Io } from "./index.ts";
import { loadDeployFile } from "./_loader.ts";
import { Shell } from "../shell/index.ts";
import { openScpShell } from "../scp/index.ts";
import { VERSION } from "./_version.ts";
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";

/** Run the `run` command; resolves to the exit code. */
export async function runCommand(args: ParsedArgs, io: Io): Promise<number> {
  const file = args.positional.FILE!;
  const { root } = await loadDeployFile(file, io.cwd);
  const interactive = !args.options["non-interactive"] && Boolean(io.stdin.isTTY);
  const color = Boolean(io.stdout.isTTY) && !process.env.NO_COLOR;
  const pty = new engine.Pty(io.stdin, io.stdout, { interactive });
  const env = engine.Env.defaultFromNode(new root(), {
    pty,
    acceptNewHostKeys: args.options["accept-new-host-keys"] === true,
    logger: new engine.LoggerInterface([
      new engine.DefaultLogger(io.stdout, { color }),
      ...(typeof args.options.log === "string" ? [fileLogger(resolve(io.cwd, args.options.log))] : []),
    ]),
  });
  try {
    if (args.options.socket) throw new CliError("shared sessions (--socket) are not available yet in this version", 2);
    if (args.action.length) return await runAction(env, [...splitPath(args.options.path), ...args.action], io);
    if (!io.stdin.isTTY) throw new CliError("the shell needs a terminal: run an action instead with -- NODE... ACTION [ARG...]");
    if (args.options.scp) {
      const node = new Shell({ root: env, pty, color, version: VERSION }).walk(splitPath(args.options.path));
      if (!node) throw new CliError(`--path: no node ${String(args.options.path)} in ${file}`);
      await openScpShell(node, { pty, color, localCwd: io.cwd, historyFile: `${historyFile(resolve(io.cwd, file))}.scp` });
      return 0;
    }
    const shell = new Shell({ root: env, pty, color, version: VERSION, sourceFile: resolve(io.cwd, file), historyFile: historyFile(resolve(io.cwd, file)) });
    const start = splitPath(args.options.path);
    if (start.length) {
      const node = shell.walk(start);
      if (!node) throw new CliError(`--path: no node ${start.join(" ")} in ${file}`);
      shell.cd(node);
    }
    await shell.run();
    return 0;
  } finally {
    await engine.Env.close(env);
  }
}

/** The --log file's logger; a file that cannot be written is bad input, said in one line. */
function fileLogger(path: string): engine.FileLogger {
  try {
    return new engine.FileLogger(path);
  } catch (error) {
    throw new CliError(`--log ${path}: ${(error as NodeJS.ErrnoException).code === "EACCES" ? "permission denied" : (error as Error).message}`);
  }
}

/** One history file per deploy script, in the user's state directory. */
function historyFile(script: string): string {
  const base = process.env.XDG_STATE_HOME || join(process.env.HOME || homedir(), ".local", "state");
  const id = createHash("sha256").update(script).digest("hex").slice(0, 12);
  return join(base, "deployer", "history", `${basename(script)}-${id}`);
}

/** `--path "a b"` or `--path a.b` → ["a", "b"]. */
function splitPath(path: string | true | undefined): string[] {
  return typeof path === "string" ? path.split(/[\s.]+/).filter(Boolean) : [];
}

/** Walk node names, then run the action with the remaining words as string arguments. */
async function runAction(env: engine.Node, words: string[], io: Io): Promise<number> {
  let node = env;
  let index = 0;
  while (index < words.length && new engine.Inspector(node).hasChildnode(words[index]!)) {
    node = new engine.Inspector(node).getChildnode(words[index++]!);
  }
  const inspector = new engine.Inspector(node);
  const where = inspector.getPath().join(" ");
  const name = words[index] ?? "default";
  if (!inspector.hasAction(name)) {
    const children = inspector.getChildnodes({ includePrivate: false }).map((c) => new engine.Inspector(c).getName());
    const actions = inspector.getActionNames({ includePrivate: false });
    const what = words[index] === undefined ? `${where} has no default action` : `${where} has no node or action "${name}"`;
    throw new CliError(`${what} (nodes: ${children.join(", ") || "none"}; actions: ${actions.join(", ") || "none"})`);
  }
  try {
    const result = await inspector.getAction(name).call(...words.slice(index + 1));
    if (result !== undefined) io.stdout.write(`${typeof result === "string" ? result.replace(/\n?$/, "\n") : `${inspect(result, { colors: Boolean(io.stdout.isTTY), depth: 4 })}\n`}`);
    return 0;
  } catch (error) {
    throw actionFailure(error);
  }
}

/** One line naming what failed and where in the user's code, then the user's frames. */
function actionFailure(error: unknown): CliError {
  const inner = error instanceof engine.ActionException ? error.innerException : error;
  const action = error instanceof engine.ActionException ? error.action : "action";
  const location = engine.userLocation(inner);
  if (error instanceof engine.ActionException && error.outcomes) {
    // A parallel action: name every isolation that failed, not only the first.
    return new CliError(`${location ? `${location}: ` : ""}${error.message}`, 1, engine.userFrames(inner));
  }
  const message = inner instanceof Error ? (inner instanceof engine.DeployerException ? inner.message : `${inner.name}: ${inner.message}`) : String(inner);
  return new CliError(`${location ? `${location}: ` : ""}${action} failed: ${message}`, 1, engine.userFrames(inner));
}


