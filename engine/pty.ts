// The terminal an action talks to: real stdin/stdout, or a scripted DummyPty.
import type { Readable, Writable } from "node:stream";

/** Anything output can be written to. */
export interface Output {
  write(data: string | Uint8Array): unknown;
}

/** A terminal: input, output, size, TERM, and whether a person is there to answer. */
export class Pty {
  readonly interactive: boolean;
  private term: string;

  constructor(
    readonly stdin: Readable | undefined,
    readonly stdout: Output,
    options: { interactive?: boolean; term?: string } = {},
  ) {
    this.interactive = options.interactive ?? true;
    this.term = options.term ?? process.env.TERM ?? "xterm";
  }

  /** [rows, columns]. */
  getSize(): [number, number] {
    const out = this.stdout as Partial<Writable & { rows: number; columns: number }>;
    return [out.rows ?? 24, out.columns ?? 80];
  }
  getHeight(): number { return this.getSize()[0]; }
  getWidth(): number { return this.getSize()[1]; }
  getTermVar(): string { return this.term; }
  setTermVar(term: string): void { this.term = term; }
}

/** A Pty with scripted input and captured output, for tests and for running without a terminal. */
export class DummyPty extends Pty {
  private readonly chunks: string[] = [];

  constructor(readonly input = "") {
    const chunks: string[] = [];
    super(undefined, { write: (data) => chunks.push(typeof data === "string" ? data : new TextDecoder().decode(data)) }, { interactive: false });
    this.chunks = chunks;
  }

  /** Everything written to this terminal so far. */
  getOutput(): string {
    return this.chunks.join("");
  }
}
