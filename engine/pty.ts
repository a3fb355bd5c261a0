// The terminal an action talks to: real stdin/stdout, or a scripted DummyPty.
import type { Readable, Writable } from "node:stream";
import { inTurnOf } from "./_turns.ts";

/** Anything output can be written to. */
export interface Output {
  write(data: string | Uint8Array): unknown;
}

/** Why `readKeys` stopped: its callback said so, its signal aborted, or input ended. */
export type KeysEnd = "stopped" | "aborted" | "end-of-input";

/** What reading one line gave: the line, the end of input, or Ctrl-C. */
export type LineResult = { kind: "line"; text: string } | { kind: "eof" } | { kind: "interrupt" };

export interface ReadLineOptions {
  /** Never echo what is typed (passwords). */
  mask?: boolean;
  /** Candidates for Tab completion of the whole line. */
  complete?: (text: string) => readonly string[];
}

export interface PtyOptions {
  /** Whether a person is there to answer questions (default true). When false, reading never waits. */
  interactive?: boolean;
  /** The TERM value to give remote commands (default: $TERM, else xterm). */
  term?: string;
}

type TtyInput = Readable & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (raw: boolean) => unknown };
type TtyOutput = Output & { isTTY?: boolean; rows?: number; columns?: number } & Partial<Pick<Writable, "on" | "off">>;

// One key: an escape sequence (arrows, function keys), an Alt-key, or one code point.
const KEY = /\x1b\[[0-9;?]*[\x40-\x7e]|\x1bO.|\x1b.?|[\s\S]/uy;

/** A terminal of its own for one host of a parallel action (a tmux pane of a shared session). */
export interface Pane {
  pty: Pty;
  /** The host's work is over; `failed` says how it ended. */
  close(failed: boolean): Promise<void>;
}

/** A terminal: input, output, size, TERM, and whether a person is there to answer. */
export class Pty {
  readonly interactive: boolean;
  /** The host whose output this terminal shows, naming it on every line (a parallel action's lane). */
  readonly hostLabel: string | undefined = undefined;
  private term: string;
  private sizeOverride: [number, number] | undefined;
  private readonly resizeListeners = new Set<(rows: number, columns: number) => void>();
  private readonly onStdoutResize = (): void => {
    this.sizeOverride = undefined;
    this.notifyResize();
  };
  /** Input received but not read yet (type-ahead). */
  private pending = "";
  private skipLineFeed = false;
  private readonly decoder = new TextDecoder();

  constructor(
    readonly stdin: Readable | undefined,
    readonly stdout: Output,
    options: PtyOptions = {},
  ) {
    this.interactive = options.interactive ?? true;
    this.term = options.term ?? process.env.TERM ?? "xterm";
  }

  /** Whether commands may get a PTY with this terminal's keys passed through (one keyboard, one command). */
  get canPassThrough(): boolean {
    return this.stdin !== undefined;
  }

  /**
   * Run `ask` (a question) when every question asked before it on this terminal is answered; a
   * parallel action's host lanes borrow their shared terminal this way, one host at a time.
   */
  exclusive<T>(ask: () => Promise<T>): Promise<T> {
    return inTurnOf(this, ask);
  }

  /** A new terminal for one host of a parallel action, where the run mode can open one (else undefined). */
  openPane(_title: string): Promise<Pane | undefined> {
    return Promise.resolve(undefined);
  }

  /** Whether output goes to a terminal (and so may carry colours and redraws). */
  get isTTY(): boolean {
    return (this.stdout as TtyOutput).isTTY === true;
  }

  /** [rows, columns]. */
  getSize(): [number, number] {
    if (this.sizeOverride) return [...this.sizeOverride];
    const out = this.stdout as TtyOutput;
    return [out.rows || this.defaultSize()[0], out.columns || this.defaultSize()[1]];
  }
  getHeight(): number { return this.getSize()[0]; }
  getWidth(): number { return this.getSize()[1]; }
  getTermVar(): string { return this.term; }
  setTermVar(term: string): void { this.term = term; }

  /** Set the size (until the real terminal reports a resize) and tell the resize listeners. */
  setSize(rows: number, columns: number): void {
    this.sizeOverride = [rows, columns];
    this.notifyResize();
  }

  /** Call `listener` whenever the size changes (e.g. to resize a remote pty); returns the unsubscribe function. */
  onResize(listener: (rows: number, columns: number) => void): () => void {
    const out = this.stdout as TtyOutput;
    if (this.resizeListeners.size === 0) out.on?.("resize", this.onStdoutResize);
    this.resizeListeners.add(listener);
    return () => {
      if (this.resizeListeners.delete(listener) && this.resizeListeners.size === 0) out.off?.("resize", this.onStdoutResize);
    };
  }

  /**
   * Read one line, editing it as it is typed (Backspace, Ctrl-U, Tab completion; Ctrl-C interrupts,
   * Ctrl-D on an empty line ends input). Typed text is echoed unless `mask` is set. Resolves to end
   * of input at once when the terminal is not interactive: reading never waits for nobody.
   */
  async readLine(options: ReadLineOptions = {}): Promise<LineResult> {
    if (!this.acceptsInput()) return { kind: "eof" };
    const echo = this.echoes() ? (s: string) => void this.stdout.write(s) : () => {};
    return await this.withRawMode(async () => {
      let text = "";
      for (;;) {
        const key = await this.nextKey();
        if (key === undefined) {
          if (text === "") return { kind: "eof" } as const;
          echo("\n");
          return { kind: "line", text } as const;
        }
        if (key === "\r" || key === "\n") {
          this.skipLineFeed = key === "\r";
          echo("\n");
          return { kind: "line", text } as const;
        }
        if (key === "\x03") {
          echo("^C\n");
          return { kind: "interrupt" } as const;
        }
        if (key === "\x04") {
          if (text === "") return { kind: "eof" } as const;
        } else if (key === "\x7f" || key === "\b") {
          if (text !== "") {
            text = [...text].slice(0, -1).join("");
            if (!options.mask) echo("\b \b");
          }
        } else if (key === "\x15") {
          if (!options.mask) echo("\b \b".repeat([...text].length));
          text = "";
        } else if (key === "\t") {
          const added = completion(text, options.complete?.(text) ?? []);
          text += added;
          if (!options.mask) echo(added);
        } else if (key >= " " && !key.startsWith("\x1b")) {
          text += key;
          if (!options.mask) echo(key);
        }
      }
    });
  }

  /** Read one key (for "press a key" prompts); undefined at end of input or when not interactive. */
  async readKey(): Promise<string | undefined> {
    if (!this.acceptsInput()) return undefined;
    return await this.withRawMode(() => this.nextKey());
  }

  /**
   * Hand keys one at a time to `onKey`, in raw mode throughout, until it returns true, `signal` aborts,
   * or input ends (for widgets that handle keys themselves). Keys not handed over stay for the next
   * reader. Ends at once when the Pty may not read input (not interactive).
   */
  async readKeys(onKey: (key: string) => boolean | Promise<boolean>, signal?: AbortSignal): Promise<KeysEnd> {
    if (!this.acceptsInput()) return "end-of-input";
    return await this.withRawMode(async () => {
      for (;;) {
        if (signal?.aborted) return "aborted";
        const key = await this.nextKey(signal);
        if (key === undefined) return signal?.aborted ? "aborted" : "end-of-input";
        if (await onKey(key)) return "stopped";
      }
    });
  }

  /** Whether questions may read input at all. */
  protected acceptsInput(): boolean {
    return this.interactive && this.stdin !== undefined;
  }

  /** Whether typed input must be echoed by us (the terminal does it only in cooked mode). */
  protected echoes(): boolean {
    const stdin = this.stdin as TtyInput | undefined;
    return !(stdin?.isTTY && typeof stdin.setRawMode !== "function");
  }

  /** The size when the output does not report one. */
  protected defaultSize(): [number, number] {
    return [24, 80];
  }

  /** The next chunk of input, waiting for it; null at end of input or once `signal` aborts (nothing is lost then). */
  protected nextChunk(signal?: AbortSignal): Promise<string | null> {
    const stdin = this.stdin;
    if (!stdin || stdin.readableEnded || stdin.destroyed || signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        stdin.off("data", onData);
        stdin.off("end", onEnd);
        stdin.off("close", onEnd);
        stdin.off("error", onError);
        signal?.removeEventListener("abort", onEnd);
        stdin.pause();
      };
      const onData = (data: string | Uint8Array): void => {
        done();
        resolve(typeof data === "string" ? data : this.decoder.decode(data, { stream: true }));
      };
      const onEnd = (): void => { done(); resolve(null); };
      const onError = (error: unknown): void => { done(); reject(error); };
      stdin.on("data", onData);
      stdin.on("end", onEnd);
      stdin.on("close", onEnd);
      stdin.on("error", onError);
      signal?.addEventListener("abort", onEnd, { once: true });
      stdin.resume();
    });
  }

  private async nextKey(signal?: AbortSignal): Promise<string | undefined> {
    for (;;) {
      while (this.pending === "") {
        const chunk = await this.nextChunk(signal);
        if (chunk === null) return undefined;
        this.pending = chunk;
      }
      KEY.lastIndex = 0;
      const key = KEY.exec(this.pending)![0];
      this.pending = this.pending.slice(key.length);
      const skip = this.skipLineFeed && key === "\n";
      this.skipLineFeed = false;
      if (!skip) return key;
    }
  }

  private async withRawMode<T>(fn: () => Promise<T>): Promise<T> {
    const stdin = this.stdin as TtyInput | undefined;
    if (!stdin?.isTTY || typeof stdin.setRawMode !== "function" || stdin.isRaw) return await fn();
    stdin.setRawMode(true);
    try {
      return await fn();
    } finally {
      stdin.setRawMode(false);
    }
  }

  private notifyResize(): void {
    const [rows, columns] = this.getSize();
    for (const listener of this.resizeListeners) listener(rows, columns);
  }
}

/** What Tab adds to `text`: the rest of the only candidate, or the candidates' longest common extension. */
function completion(text: string, candidates: readonly string[]): string {
  const matches = candidates.filter((c) => c.startsWith(text));
  if (matches.length === 0) return "";
  let common = matches[0]!;
  for (const m of matches) while (!m.startsWith(common)) common = common.slice(0, -1);
  return common.slice(text.length);
}

/**
 * A Pty with scripted input and captured output, for tests and for running without a terminal.
 * Not interactive, 40×80. Questions read the script line by line; when it runs out they see end of input.
 */
export class DummyPty extends Pty {
  private readonly chunks: string[];
  private scriptRead = false;

  constructor(readonly input = "", options: { interactive?: boolean; size?: [number, number] } = {}) {
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    super(undefined, { write: (data) => chunks.push(typeof data === "string" ? data : decoder.decode(data)) }, {
      interactive: options.interactive ?? false,
    });
    this.chunks = chunks;
    if (options.size) this.setSize(...options.size);
  }

  /** Everything written to this terminal so far. */
  getOutput(): string {
    return this.chunks.join("");
  }

  protected override acceptsInput(): boolean {
    return true;
  }

  protected override echoes(): boolean {
    return true;
  }

  protected override defaultSize(): [number, number] {
    return [40, 80];
  }

  protected override nextChunk(): Promise<string | null> {
    if (this.scriptRead || this.input === "") return Promise.resolve(null);
    this.scriptRead = true;
    return Promise.resolve(this.input);
  }
}
