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
  // A shell on a terminal goes through a session server other terminals can join; one action,
  // or no terminal (cron, CI), runs right here.
  if (!args.options["single-threaded"] && !args.action.length && !args.options["non-interactive"] && io.isTerminal("stdin") && io.isTerminal("stdout")) {
    const socket = await startBackgroundServer(args, io);
    return await connectCommand({ ...args, options: { ...args.options, socket } }, io);
  }
  return await runHere(args, io);
}

/** Everything in this process: the single-threaded shell, or one action. */
async function runHere(args: ParsedArgs, io: Io): Promise<number> {
  const file = args.positional.FILE!;
  const { root, extraLoggers } = await loadDeployFile(file, io.cwd);
  const interactive = !args.options["non-interactive"] && io.isTerminal("stdin");
  const color = io.isTerminal("stdout") && !process.env.NO_COLOR;
  // Without questions, input is never read: leaving it out spares making the stream.
  const pty = new engine.Pty(interactive ? io.stdin : undefined, io.stdout, { interactive });
  const env = engine.Env.defaultFromNode(new root(), {
    pty,
    acceptNewHostKeys: args.options["accept-new-host-keys"] === true,
    parallel: parallelOption(args),
    logger: new engine.LoggerInterface([new engine.DefaultLogger(undefined, { color }), ...optionLoggers(args, io), ...extraLoggers]),
  });
  try {
    const request = { path: splitPath(args.options.path), action: args.action, scp: args.options.scp === true, cwd: io.cwd };
    if (!request.action.length && !io.isTerminal("stdin")) {
      throw new CliError("the shell needs a terminal: run an action instead with -- NODE... ACTION [ARG...]");
    }
    const route = engine.newRoute(pty);
    const stopping = request.action.length ? stopOnSignals(env, route, io) : undefined;
    try {
      return await engine.onRoute(route, () => interact({ env, pty, file, script: resolve(io.cwd, file), color }, request));
    } catch (error) {
      // The action failed because it was stopped: say so, with the shell's exit code for a signal.
      if (stopping?.signal && error instanceof CliError) {
        const said = error.message.includes(`stopped by ${stopping.signal}`);
        throw new CliError(said ? error.message : `${error.message} (stopped by ${stopping.signal})`, 128 + SIGNAL_NUMBERS[stopping.signal], error.details);
      }
      throw error;
    } finally {
      stopping?.remove();
    }
  } finally {
    await engine.Env.close(env);
  }
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type StopSignal = keyof typeof SIGNAL_NUMBERS;

/**
 * Ctrl-C, SIGTERM or SIGHUP while an action runs: the running commands and the processes they
 * started get the signal on every host, so the action fails and the run ends, reporting every
 * host. A second signal kills them and exits at once.
 */
function stopOnSignals(env: engine.Node, route: engine.TerminalRoute, io: Io): { signal: StopSignal | undefined; remove(): void } {
  const state = { signal: undefined as StopSignal | undefined, remove };
  const handlers = Object.fromEntries(Object.keys(SIGNAL_NUMBERS).map((name) => [name, () => stop(name as StopSignal)])) as Record<StopSignal, () => void>;
  function stop(signal: StopSignal): void {
    if (state.signal) {
      engine.onRoute(route, () => engine.Env.interrupt(env, "KILL"));
      io.stderr.write(`${signal} again: exiting now\n`);
      setTimeout(() => process.exit(128 + SIGNAL_NUMBERS[signal]), 200);
      return;
    }
    state.signal = signal;
    const count = engine.onRoute(route, () => engine.Env.interrupt(env, signal.slice(3) as "INT" | "TERM" | "HUP"));
    if (count === 0) {
      // Nothing remote to stop (the action is between commands, or waiting): stop here.
      io.stderr.write(`${signal}: stopped\n`);
      process.exit(128 + SIGNAL_NUMBERS[signal]);
    }
    io.stderr.write(`${signal}: stopping ${count} running command${count === 1 ? "" : "s"} (again to exit at once)\n`);
  }
  function remove(): void {
    for (const [name, handler] of Object.entries(handlers)) process.off(name, handler);
  }
  for (const [name, handler] of Object.entries(handlers)) process.on(name, handler);
  return state;
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
