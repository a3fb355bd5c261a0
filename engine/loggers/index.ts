// Loggers: pluggable observers of what actions run. The default one prints each command per host.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Output } from "../pty.ts";

export interface RunEntry {
  host: string;
  command: string;
  useSudo: boolean;
  sandbox: boolean;
}

/** How a command ended (absent when it never started, e.g. the host was unreachable). */
export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
}

/** A plug-in; every hook is optional. */
export interface Logger {
  enterGroup?(name: string, args: readonly unknown[]): void;
  leaveGroup?(): void;
  /** Called when a command starts; the returned function is called when it ends. */
  logRun?(entry: RunEntry): ((succeeded: boolean, outcome?: RunOutcome) => void) | void;
  logMsg?(message: string): void;
  logException?(error: unknown): void;
}

/** Fans events out to the attached loggers. */
export class LoggerInterface {
  private readonly loggers: Logger[];

  constructor(loggers: Logger[] = []) {
    this.loggers = [...loggers];
  }

  attach(logger: Logger): void {
    this.loggers.push(logger);
  }

  detach(logger: Logger): void {
    const index = this.loggers.indexOf(logger);
    if (index >= 0) this.loggers.splice(index, 1);
  }

  /** Run `fn` as a named group (an action call) on every logger attached now. */
  async group<T>(name: string, args: readonly unknown[], fn: () => Promise<T>): Promise<T> {
    const loggers = [...this.loggers];
    for (const logger of loggers) logger.enterGroup?.(name, args);
    try {
      return await fn();
    } finally {
      for (const logger of loggers) logger.leaveGroup?.();
    }
  }

  /** Record a command; call `complete` on the result when it ends. */
  logRun(entry: RunEntry): { complete(succeeded: boolean, outcome?: RunOutcome): void } {
    const callbacks = this.loggers.map((logger) => logger.logRun?.(entry)).filter((cb) => typeof cb === "function");
    let done = false;
    return {
      complete(succeeded, outcome) {
        if (done) return;
        done = true;
        for (const cb of callbacks) cb(succeeded, outcome);
      },
    };
  }

  logMsg(message: string): void {
    for (const logger of this.loggers) logger.logMsg?.(message);
  }

  logException(error: unknown): void {
    for (const logger of this.loggers) logger.logException?.(error);
  }
}

const bold = (s: string) => `\x1b[1m${s}\x1b[22m`;
const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
const yellow = (s: string) => `\x1b[33m${s}\x1b[39m`;

/** Prints every command as `host command`, host right-aligned, before its output. */
export class DefaultLogger implements Logger {
  constructor(private readonly out: Output, private readonly options: { color?: boolean } = {}) {}

  logRun(entry: RunEntry): void {
    let command = entry.command;
    if (entry.useSudo) command = `(sudo) ${command}`;
    if (entry.sandbox) command = `(sandbox) ${command}`;
    const host = entry.host.padStart(20);
    const color = this.options.color ?? false;
    this.out.write(color ? `${bold(red(host))} ${yellow(command)}\n` : `${host} ${command}\n`);
  }

  logMsg(message: string): void {
    this.out.write(`${message}\n`);
  }
}

/**
 * Appends one JSON object per command to a file (`--log FILE`): time, host, command, sudo,
 * sandbox, exit status and duration. Commands never contain passwords (sudo reads them on stdin).
 */
export class FileLogger implements Logger {
  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, "", { mode: 0o600 });
  }

  logRun(entry: RunEntry): (succeeded: boolean, outcome?: RunOutcome) => void {
    const started = new Date();
    return (succeeded, outcome) => {
      const record = {
        time: started.toISOString(),
        host: entry.host,
        command: entry.command,
        sudo: entry.useSudo,
        sandbox: entry.sandbox,
        succeeded,
        exitStatus: outcome?.exitCode ?? null,
        signal: outcome?.signal ?? null,
        durationMs: outcome ? Math.round(outcome.durationMs) : null,
      };
      appendFileSync(this.path, `${JSON.stringify(record)}\n`);
    };
  }
}
