// DefaultLogger: prints each command with its host before the command's output.
import { currentRoute } from "../_terminal.ts";
import type { Output, Pty } from "../pty.ts";
import type { Logger, RunEntry } from "./_interface.ts";

const bold = (s: string) => `\x1b[1m${s}\x1b[22m`;
const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
const yellow = (s: string) => `\x1b[33m${s}\x1b[39m`;

/**
 * Prints every command as `host command`, host right-aligned, before its output. Without an
 * output of its own it writes to the terminal the command runs from (each terminal of a shared
 * session, each host's lane of a parallel action), in colour when that is a terminal.
 */
export class DefaultLogger implements Logger {
  constructor(private readonly out?: Output, private readonly options: { color?: boolean } = {}) {}

  logRun(entry: RunEntry): void {
    let command = entry.command;
    if (entry.useSudo) command = `(sudo) ${command}`;
    if (entry.sandbox) command = `(sandbox) ${command}`;
    const { out, color, lane } = this.target();
    // A host's lane already names the host on every line.
    if (lane) return void out.write(color ? `${yellow(`$ ${command}`)}\n` : `$ ${command}\n`);
    const host = entry.host.padStart(20);
    out.write(color ? `${bold(red(host))} ${yellow(command)}\n` : `${host} ${command}\n`);
  }

  logMsg(message: string): void {
    this.target().out.write(`${message}\n`);
  }

  private target(): { out: Output; color: boolean; lane: boolean } {
    const pty: Pty | undefined = this.out ? undefined : currentRoute()?.pty;
    const out = this.out ?? pty?.stdout ?? process.stdout;
    return { out, color: this.options.color ?? pty?.isTTY ?? false, lane: pty?.hostLabel !== undefined };
  }
}
