// IndentedDefaultLogger: a tree-style log of groups and commands, indented by group depth.
import type { Output } from "../pty.ts";
import { formatArgs, type FileEntry, type LogScope, type Logger, type RunEntry, type RunOutcome } from "./_interface.ts";

const HOST_WIDTH = 40;
const COMMAND_WIDTH = 80;

const bold = (s: string) => `\x1b[1m${s}\x1b[22m`;
const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
const green = (s: string) => `\x1b[32m${s}\x1b[39m`;
const yellow = (s: string) => `\x1b[33m${s}\x1b[39m`;
const plain = (s: string) => s;

type Paint = (s: string) => string;
interface Palette { tree: Paint; host: Paint; sudo: Paint; command: Paint; ok: Paint; failed: Paint }

/**
 * Prints groups as `name(args)` and commands as `host (sandbox) (sudo) command`, each line
 * prefixed by `│ ` per enclosing group and `├ `.
 *
 * The outcome goes on a line of its own, `└ host SUCCESS` at the command's depth, rather than at
 * the end of the command's line: the command's output and other hosts' lines come in between, and
 * moving the cursor back up only works on a terminal, not in a log file or a monitor pane.
 */
export class IndentedDefaultLogger implements Logger {
  private readonly paint: Palette;

  constructor(private readonly out: Output, options: { color?: boolean } = {}) {
    const color = options.color ?? false;
    this.paint = color
      ? { tree: red, host: (s) => bold(yellow(s)), sudo: bold, command: (s) => bold(green(s)), ok: green, failed: red }
      : { tree: plain, host: plain, sudo: plain, command: plain, ok: plain, failed: plain };
  }

  enterGroup(name: string, args: readonly unknown[], scope: LogScope): void {
    this.line(scope.depth - 1, "├ ", `${name}(${formatArgs(args)})`);
  }

  logRun(entry: RunEntry): (succeeded: boolean, outcome?: RunOutcome) => void {
    const depth = entry.scope?.depth ?? 0;
    const p = this.paint;
    const sandbox = entry.sandbox ? "(sandbox)" : " ".repeat(9);
    const sudo = entry.useSudo ? p.sudo("(sudo)") : " ".repeat(6);
    this.line(depth, "├ ", `${p.host(entry.host.padEnd(HOST_WIDTH))} ${sandbox} ${sudo} ${p.command(shorten(entry.command))}`);
    return (succeeded, outcome) => this.status(depth, entry.host, succeeded, failureDetail(outcome));
  }

  logFileOpened(entry: FileEntry): (succeeded: boolean) => void {
    const depth = entry.scope?.depth ?? 0;
    const p = this.paint;
    const sandbox = entry.sandbox ? "(sandbox)" : " ".repeat(9);
    const sudo = entry.useSudo ? p.sudo("(sudo)") : " ".repeat(6);
    const local = entry.localPath === undefined ? "" : ` (local: ${entry.localPath})`;
    const what = `open(${entry.mode}) ${entry.remotePath}${local}`;
    this.line(depth, "├ ", `${p.host(entry.host.padEnd(HOST_WIDTH))} ${sandbox} ${sudo} ${p.command(shorten(what))}`);
    return (succeeded) => this.status(depth, entry.host, succeeded, "");
  }

  logMsg(message: string, scope?: LogScope): void {
    for (const text of message.split("\n")) this.line(scope?.depth ?? 0, "├ ", text);
  }

  private status(depth: number, host: string, succeeded: boolean, detail: string): void {
    const p = this.paint;
    const word = succeeded ? p.ok("SUCCESS") : p.failed(`FAILED${detail}`);
    this.line(depth, "└ ", `${p.host(host.padEnd(HOST_WIDTH))} ${word}`);
  }

  private line(depth: number, branch: string, text: string): void {
    this.out.write(`${this.paint.tree("│ ".repeat(Math.max(0, depth)) + branch)}${text}\n`);
  }
}

/** One line of at most COMMAND_WIDTH characters and `...`: newlines shown as `\n`. */
function shorten(command: string): string {
  const flat = command.replaceAll("\n", "\\n");
  return flat.length > COMMAND_WIDTH ? `${flat.slice(0, COMMAND_WIDTH)}...` : flat;
}

function failureDetail(outcome: RunOutcome | undefined): string {
  if (outcome?.signal) return ` (signal ${outcome.signal})`;
  if (outcome?.exitCode !== undefined && outcome.exitCode !== null) return ` (exit status ${outcome.exitCode})`;
  return "";
}
