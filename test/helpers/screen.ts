// The binary in a real PTY, its output replayed into a headless terminal so tests read the screen.
import xterm from "@xterm/headless";
import { spawnPty, type PtyExit } from "../../engine/host/_pty.ts";
import { BINARY } from "./deployer.ts";

export interface Screen {
  /** The visible lines, trailing spaces trimmed. */
  lines(): string[];
  /** The line the cursor is on. */
  cursorLine(): string;
  /** Resolves once the screen matches; fails after 15 s showing the screen. */
  waitFor(pattern: string | RegExp): Promise<void>;
  /** Resolves once the last non-empty line matches (e.g. a prompt). */
  waitForLast(pattern: string | RegExp): Promise<void>;
  type(text: string): void;
  /** Send the program a signal (SIGKILL: the terminal window is closed at once). */
  kill(signal?: string): void;
  exited: Promise<PtyExit>;
  /** The headless terminal itself (for colours). */
  term: xterm.Terminal;
  /** Every byte the program wrote so far, as text (what the screen no longer shows included). */
  output(): string;
}

export async function onScreen(args: string[], options: { cwd: string; env?: Record<string, string>; cols?: number; rows?: number }): Promise<Screen> {
  const cols = options.cols ?? 100;
  const rows = options.rows ?? 30;
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  let pending = Promise.resolve();
  let written = "";
  const env = Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: "", ...options.env }).filter((e): e is [string, string] => typeof e[1] === "string"));
  const proc = await spawnPty({
    file: BINARY,
    args,
    cols,
    rows,
    cwd: options.cwd,
    env,
    onData(chunk) {
      const data = Buffer.from(chunk).toString();
      written += data;
      pending = pending.then(() => new Promise<void>((resolve) => term.write(data, resolve)));
    },
  });
  const lines = () => {
    const buffer = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < buffer.length; i++) out.push(buffer.getLine(i)?.translateToString(true) ?? "");
    while (out.length && out.at(-1) === "") out.pop();
    return out;
  };
  const matches = (text: string, pattern: string | RegExp) => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text));
  const until = async (test: () => boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      await pending;
      if (test()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen shows:\n${lines().join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return {
    term,
    output: () => written,
    lines,
    cursorLine: () => term.buffer.active.getLine(term.buffer.active.baseY + term.buffer.active.cursorY)?.translateToString(true) ?? "",
    waitFor: (pattern) => until(() => matches(lines().join("\n"), pattern), String(pattern)),
    waitForLast: (pattern) => until(() => matches(lines().at(-1) ?? "", pattern), `last line ${pattern}`),
    type: (text) => proc.write(text),
    kill: (signal) => proc.kill(signal),
    exited: proc.exited,
  };
}

/** The foreground colour (ANSI palette index) of the first cell of `text` on the screen, or undefined. */
export function colorOf(screen: Screen, text: string): number | undefined {
  const buffer = screen.term.buffer.active;
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    const x = line?.translateToString(true).indexOf(text) ?? -1;
    if (line && x >= 0) {
      const cell = line.getCell(x);
      return cell?.isFgPalette() ? cell.getFgColor() : undefined;
    }
  }
  return undefined;
}

/** What `output` looks like on a terminal of that size: its lines, trailing spaces and empty lines trimmed. */
export async function render(output: string, rows = 24, columns = 80): Promise<string[]> {
  const term = new xterm.Terminal({ rows, cols: columns, allowProposedApi: true, convertEol: true });
  await new Promise<void>((resolve) => term.write(output, resolve));
  const lines: string[] = [];
  for (let i = 0; i < term.buffer.active.length; i++) lines.push(term.buffer.active.getLine(i)?.translateToString(true) ?? "");
  while (lines.at(-1) === "") lines.pop();
  return lines;
}
