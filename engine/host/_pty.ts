// The local pseudo-terminal: one interface, Bun's own PTY under Bun, node-pty elsewhere (Deno, Node).
//
// node-pty cannot serve Bun (its callbacks never fire there), and Bun.spawn's
// `terminal` exists only in Bun, so the runtime decides. What both backends
// share (environment, argument checks) happens here, once.
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import process from "node:process";
import { spawnBunPty } from "./_pty_bun.ts";
import { spawnNodePty } from "./_pty_node.ts";

/** What to start in a new pseudo-terminal, and where its output goes. */
export interface PtySpawnOptions {
  /** The program, e.g. "/bin/bash". Prefer an absolute path: PATH lookup differs between backends. */
  file: string;
  args: string[];
  /** Positive integers. */
  cols: number;
  rows: number;
  /** The child's whole environment; nothing is inherited. TERM defaults to xterm-256color; PWD is set to the working directory. */
  env: Record<string, string>;
  /** Defaults to this process's working directory. */
  cwd?: string;
  /** Everything the terminal prints, in order. Each chunk is a fresh buffer the callee may keep. */
  onData(chunk: Uint8Array): void;
}

/** How a terminal's child ended. `exitCode` is null when a signal ended it (node's child_process convention). */
export interface PtyExit {
  exitCode: number | null;
  signal: string | null;
}

/** A child running in a pseudo-terminal. */
export interface PtyProcess {
  /** Keystrokes into the terminal; dropped once the child has exited. */
  write(data: string | Uint8Array): void;
  /** The child's foreground process group sees SIGWINCH and the new size. A no-op once the child has exited. */
  resize(cols: number, rows: number): void;
  /** Signals the child; SIGHUP by default, what closing a terminal sends. A no-op once it has exited; throws on an unknown name. */
  kill(signal?: string): void;
  /** Resolves after the child exited and its output reached onData (end of file on the terminal, or 200 ms without output when a background process keeps it open). */
  readonly exited: Promise<PtyExit>;
}

/** Starts a child in a new pseudo-terminal: with Bun.spawn's terminal under Bun, with node-pty elsewhere. Rejects when the program or directory is missing. */
export async function spawnPty(options: PtySpawnOptions): Promise<PtyProcess> {
  checkSize(options.cols, options.rows);
  const cwd = options.cwd ?? process.cwd();
  await checkStartable(options.file, cwd);
  const prepared = { ...options, cwd, env: { TERM: "xterm-256color", ...options.env, PWD: cwd } };
  const pty = typeof Bun !== "undefined" ? spawnBunPty(prepared) : await spawnNodePty(prepared);
  return {
    write: pty.write,
    resize(cols, rows) {
      checkSize(cols, rows);
      pty.resize(cols, rows);
    },
    kill: pty.kill,
    exited: pty.exited,
  };
}

function checkSize(cols: number, rows: number): void {
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols <= 0 || rows <= 0) {
    throw new RangeError(`terminal size must be positive integers, got ${cols}x${rows}`);
  }
}

// Bun rejects a missing program or directory, node-pty starts a child that
// prints "execvp(3) failed" and exits 1; checking first gives both the same error.
async function checkStartable(file: string, cwd: string): Promise<void> {
  if (!(await stat(cwd)).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, ${cwd}`), { code: "ENOTDIR", path: cwd });
  }
  if (file.includes("/")) await access(file, constants.X_OK);
}
