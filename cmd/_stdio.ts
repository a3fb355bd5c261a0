// The process's standard streams for the CLI, made only when something uses them. Bun builds
// process.stdin/stdout/stderr from its Node stream machinery on first use, which costs several
// milliseconds: much of a cached `run -- ACTION`'s start-up. So output that goes to a pipe or a
// file is written with write(2) by a small writer of our own (synchronously, as Node itself writes
// to pipes and files), and the real streams are made only for a terminal and for input.
import { EventEmitter } from "node:events";
import { fstatSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import type { Writable } from "node:stream";
import type { Io } from "./index.ts";

type Standard = "stdin" | "stdout" | "stderr";
const FDS: Record<Standard, number> = { stdin: 0, stdout: 1, stderr: 2 };

/** The process's own Io: streams made on first use, and whether each is a terminal, asked cheaply. */
export function processIo(): Io {
  const made: Partial<Record<Standard, unknown>> = {};
  const memo = <T>(name: Standard, make: () => T): T => (made[name] ??= make()) as T;
  const output = (name: "stdout" | "stderr") => (isTerminal(FDS[name]) ? process[name] : fdOutput(FDS[name]));
  return {
    get stdin() { return memo("stdin", () => process.stdin); },
    get stdout() { return memo("stdout", () => output("stdout")); },
    get stderr() { return memo("stderr", () => output("stderr")); },
    isTerminal: (name) => isTerminal(FDS[name]),
    cwd: process.cwd(),
  };
}

/** An FdOutput where a Writable is expected: it has the part of Writable that stdout's users call. */
const fdOutput = (fd: number): Writable => new FdOutput(fd) as unknown as Writable;

const terminals = new Map<number, boolean>();
const require = createRequire(import.meta.url);

/**
 * Whether `fd` is a terminal. A pipe, socket or file is not, which fstat says at once, and neither
 * is Linux's /dev/null (a memory device, major number 1: cron's stdin); only for other character
 * devices is node:tty loaded to ask isatty.
 */
function isTerminal(fd: number): boolean {
  let known = terminals.get(fd);
  if (known === undefined) {
    let device: boolean;
    try {
      const stat = fstatSync(fd);
      device = stat.isCharacterDevice() && !(process.platform === "linux" && ((stat.rdev >> 8) & 0xfff) === 1);
    } catch {
      device = false; // closed
    }
    known = device && (require("node:tty") as typeof import("node:tty")).isatty(fd);
    terminals.set(fd, known);
  }
  return known;
}

/**
 * Output to a file descriptor that is not a terminal, each chunk written whole with write(2): what
 * the CLI and the engine call on stdout and stderr (`write`, and events they may listen to), without
 * node:stream (see engine/_builtins.ts). A descriptor someone left non-blocking is waited on when
 * full (EAGAIN), as a blocking one would be: Bun's own stream queues such writes, and the exit at
 * the end of a run would drop what is still queued. Once the reader has gone (EPIPE), output is
 * dropped instead of failing the run.
 */
class FdOutput extends EventEmitter {
  readonly isTTY = false;
  readonly writable = true;
  private readerGone = false;

  constructor(readonly fd: number) {
    super();
  }

  write(data: string | Uint8Array, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    const done = typeof encoding === "function" ? encoding : callback;
    const chunk = typeof data === "string" ? Buffer.from(data, typeof encoding === "string" ? encoding : "utf8") : data;
    let offset = 0;
    while (offset < chunk.length && !this.readerGone) {
      try {
        offset += writeSync(this.fd, chunk, offset, chunk.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") pause(1);
        else if (code === "EPIPE") this.readerGone = true;
        else throw error;
      }
    }
    if (done) queueMicrotask(() => done());
    return true;
  }

  end(): this {
    return this;
  }
}

/** Block this thread for `ms` milliseconds. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

type WriteCallback = (error?: Error | null) => void;
