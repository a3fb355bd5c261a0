// `deployer run FILE`: a shell in a background session server (or in this process with -s), the
// SCP shell, or one action and exit; `listen` serves a session in the foreground.
import { resolve } from "node:path";
import * as engine from "../engine/index.ts";
import type { ParsedArgs } from "./_args.ts";
import { CliError } from "./_errors.ts";
import type { Io } from "./index.ts";
import { loadDeployFile } from "./_loader.ts";
import { interact, splitPath } from "./_interaction.ts";
import { connectCommand } from "./_client.ts";
import { startBackgroundServer } from "./_spawn.ts";

/** Run the `run` command; resolves to the exit code. */
export async function runCommand(args: ParsedArgs, io: Io): Promise<number> {
  if (typeof args.options.socket === "string") return await connectCommand(args, io);
  const terminal = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  // A shell on a terminal goes through a session server other terminals can join; one action,
  // or no terminal (cron, CI), runs right here.
  if (!args.options["single-threaded"] && terminal && !args.action.length && !args.options["non-interactive"]) {
    const socket = await startBackgroundServer(args, io);
    return await connectCommand({ ...args, options: { ...args.options, socket } }, io);
  }
  return await runHere(args, io);
}

/** Everything in this process: the single-threaded shell, or one action. */
async function runHere(args: ParsedArgs, io: Io): Promise<number> {
  const file = args.positional.FILE!;
  const { root, extraLoggers } = await loadDeployFile(file, io.cwd);
  const interactive = !args.options["non-interactive"] && Boolean(io.stdin.isTTY);
  const color = Boolean(io.stdout.isTTY) && !process.env.NO_COLOR;
  const pty = new engine.Pty(io.stdin, io.stdout, { interactive });
  const env = engine.Env.defaultFromNode(new root(), {
    pty,
    acceptNewHostKeys: args.options["accept-new-host-keys"] === true,
    parallel: parallelOption(args),
    logger: new engine.LoggerInterface([new engine.DefaultLogger(undefined, { color }), ...optionLoggers(args, io), ...extraLoggers]),
  });
  try {
    const request = { path: splitPath(args.options.path), action: args.action, scp: args.options.scp === true, cwd: io.cwd };
    if (!request.action.length && !io.stdin.isTTY) {
      throw new CliError("the shell needs a terminal: run an action instead with -- NODE... ACTION [ARG...]");
    }
    return await engine.withTerminal(pty, () => interact({ env, pty, file, script: resolve(io.cwd, file), color }, request));
  } finally {
    await engine.Env.close(env);
  }
}

/** `--parallel N`: a whole number from 1. */
export function parallelOption(args: ParsedArgs): number | undefined {
  const value = args.options.parallel;
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--parallel ${String(value)}: not a number of hosts (1 or more)`);
  return n;
}

/** The loggers the options ask for (--log FILE). */
export function optionLoggers(args: ParsedArgs, io: Io): engine.Logger[] {
  return typeof args.options.log === "string" ? [fileLogger(resolve(io.cwd, args.options.log))] : [];
}

/** The --log file's logger; a file that cannot be written is bad input, said in one line. */
function fileLogger(path: string): engine.FileLogger {
  try {
    return new engine.FileLogger(path);
  } catch (error) {
    throw new CliError(`--log ${path}: ${(error as NodeJS.ErrnoException).code === "EACCES" ? "permission denied" : (error as Error).message}`);
  }
}
