// The process's standard streams for the CLI, made only when something uses them. Bun builds
// process.stdin/stdout/stderr from its Node stream machinery on first use, which costs about 9 ms:
// most of a cached `run -- ACTION`'s start-up. So output that goes to a pipe or a file is written
// with write(2) by a small stream of our own (synchronously, as Node itself writes to pipes and
// files), and the real streams are made only for a terminal, for input, or as a fallback.
import { fstatSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { Writable } from "node:stream";
import type { Io } from "./index.ts";

type Standard = "stdin" | "stdout" | "stderr";
const FDS: Record<Standard, number> = { stdin: 0, stdout: 1, stderr: 2 };

/** The process's own Io: streams made on first use, and whether each is a terminal, asked cheaply. */
export function processIo(): Io {
  const made: Partial<Record<Standard, unknown>> = {};
  const made1 = <T>(name: Standard, make: () => T): T => (made[name] ??= make()) as T;
  const output = (name: "stdout" | "stderr") => (isTerminal(FDS[name]) ? process[name] : new FdOutput(FDS[name], () => process[name]));
  return {
    get stdin() { return made1("stdin", () => process.stdin); },
    get stdout() { return made1("stdout", () => output("stdout")); },
    get stderr() { return made1("stderr", () => output("stderr")); },
    isTerminal: (name) => isTerminal(FDS[name]),
    cwd: process.cwd(),
  };
}

const terminals = new Map<number, boolean>();
const require = createRequire(import.meta.url);

/**
 * Whether `fd` is a terminal. A pipe, socket or file is not, which fstat says at once; only for
 * a character device (a terminal, or /dev/null) is node:tty loaded to ask isatty.
 */
function isTerminal(fd: number): boolean {
  let known = terminals.get(fd);
  if (known === undefined) {
    let device: boolean;
    try {
      device = fstatSync(fd).isCharacterDevice();
    } catch {
      device = false; // closed
    }
    known = device && (require("node:tty") as typeof import("node:tty")).isatty(fd);
    terminals.set(fd, known);
  }
  return known;
}

/**
 * A Writable on a file descriptor that is not a terminal, writing each chunk whole with write(2).
 * If the descriptor turns out to be non-blocking and full (EAGAIN), the rest of this chunk and
 * everything after it go through the runtime's own stream for it, which waits; order is kept.
 * Once the reader has gone (EPIPE), output is dropped instead of failing the run.
 */
export class FdOutput extends Writable {
  readonly isTTY = false;
  private fallback: Writable | undefined;
  private readerGone = false;

  constructor(readonly fd: number, private readonly runtimeStream: () => Writable) {
    super({ decodeStrings: true });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.fallback) return void this.fallback.write(chunk, callback);
    let offset = 0;
    while (offset < chunk.length && !this.readerGone) {
      try {
        offset += writeSync(this.fd, chunk, offset, chunk.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          this.fallback = this.runtimeStream();
          return void this.fallback.write(chunk.subarray(offset), callback);
        }
        if (code === "EPIPE") {
          this.readerGone = true;
          break;
        }
        return callback(error as Error);
      }
    }
    callback();
  }
}
