// The real binary in a real PTY: type keys, resize, read what it printed.
import { spawnPty, type PtyExit } from "../../engine/host/_pty.ts";
import { BINARY } from "./deployer.ts";

export interface TerminalSession {
  /** Everything printed so far, escape sequences removed. */
  text(): string;
  /** Resolves when `pattern` has been printed (after `from`, an index into text()); fails after 15 s with the screen. */
  waitFor(pattern: string | RegExp, from?: number): Promise<void>;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  exited: Promise<PtyExit>;
}

const ANSI = /\x1b\[[0-9;?]*[ -\/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]/g;

export async function inTerminal(args: string[], options: { cwd: string; cols?: number; rows?: number; env?: Record<string, string> }): Promise<TerminalSession> {
  let output = "";
  const waiters: Array<() => void> = [];
  const env = Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter((e): e is [string, string] => e[1] !== undefined));
  const proc = await spawnPty({
    file: BINARY,
    args,
    cols: options.cols ?? 100,
    rows: options.rows ?? 30,
    cwd: options.cwd,
    env,
    onData(chunk) {
      output += Buffer.from(chunk).toString();
      for (const wake of waiters.splice(0)) wake();
    },
  });
  const text = () => output.replace(ANSI, "").replace(/\r/g, "");
  return {
    text,
    async waitFor(pattern, from = 0) {
      const matches = () => (typeof pattern === "string" ? text().indexOf(pattern, from) >= 0 : pattern.test(text().slice(from)));
      const deadline = Date.now() + 15_000;
      while (!matches()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; the screen shows:\n${text()}`);
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), new Promise((resolve) => setTimeout(resolve, 200))]);
      }
    },
    write: (data) => proc.write(data),
    resize: (cols, rows) => proc.resize(cols, rows),
    exited: proc.exited,
  };
}
