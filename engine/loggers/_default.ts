// DefaultLogger: prints each command with its host before the command's output.
import type { Output } from "../pty.ts";
import type { Logger, RunEntry } from "./_interface.ts";

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
