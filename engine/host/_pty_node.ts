// The PTY backend for Deno (and Node): node-pty, imported only when first used,
// so Bun's compiled binary, which marks node-pty external, never loads it.
import { constants } from "node:os";
import process from "node:process";
import type { PtyExit, PtyProcess, PtySpawnOptions } from "./_pty.ts";

// node-pty 1.x writes keystrokes with fs.write(fd), and Deno's node:fs refuses
// descriptors it did not open itself (EBADF). The terminal's read stream is a
// tty socket that can write too (node-pty wrote through it before 1.0).
// Deno 2.9 then misses the writable edge after EAGAIN: a write larger than the
// terminal takes at once (~12 KB) waits until the child next prints something.
interface TtySocket {
  readonly destroyed: boolean;
  write(data: string | Uint8Array): boolean;
}

/** Starts options.file in a node-pty terminal. */
export async function spawnNodePty(options: PtySpawnOptions): Promise<PtyProcess> {
  const { spawn } = await import("node-pty");
  const pty = spawn(options.file, options.args, {
    name: options.env.TERM,
    cols: options.cols,
    rows: options.rows,
    cwd: options.cwd,
    env: options.env,
    encoding: null, // Buffers, not strings: output is bytes, and a split UTF-8 character must survive
  });
  const socket = (pty as unknown as { _socket?: TtySocket })._socket;
  if (typeof socket?.write !== "function") {
    pty.kill("SIGKILL");
    throw new Error("node-pty has no terminal socket to write to; this adapter was written against node-pty 1.1");
  }
  let outcome: PtyExit | undefined;
  pty.onData((chunk) => options.onData(chunk as unknown as Uint8Array));
  // node-pty fires onExit once its socket closed (all output read), or 200 ms
  // after the child exited when a background process keeps the terminal open.
  const exited = new Promise<PtyExit>((resolve) => {
    pty.onExit(({ exitCode, signal }) => {
      outcome = signal ? { exitCode: null, signal: signalName(signal) } : { exitCode, signal: null };
      resolve(outcome);
    });
  });

  return {
    write(data) {
      if (!outcome && !socket.destroyed) socket.write(data);
    },
    resize(cols, rows) {
      if (!outcome) pty.resize(cols, rows);
    },
    kill(signal = "SIGHUP") {
      if (outcome) return;
      // Not pty.kill(): it swallows every error, an unknown signal name included.
      try {
        process.kill(pty.pid, signal);
      } catch (error) {
        if ((error as { code?: string }).code !== "ESRCH") throw error; // reaped, onExit not fired yet
      }
    },
    exited,
  };
}

function signalName(signal: number): string {
  const entry = Object.entries(constants.signals).find(([, number]) => number === signal);
  return entry ? entry[0] : `SIG${signal}`;
}
