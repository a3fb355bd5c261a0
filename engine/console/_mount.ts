// Mounting an Ink widget on a Pty: Ink draws on the Pty's output and gets its keys from the Pty, one at a time.
import { EventEmitter } from "node:events";
import type { ReactElement } from "react";
import { render } from "ink";
import type { Pty } from "../pty.ts";
import type { Outcome } from "./_keys.ts";

/**
 * Show `widget` until it calls `done`, or the input ends. Keys are read through the Pty (raw mode on
 * for the duration, then put back as it was) and handed to Ink one by one, so the keys typed after the
 * answer stay for the next question. Ink never touches the real stdin: no encoding, ref or raw-mode
 * changes leak out of a widget. When the input ends, the widget is drawn once more with `inputEnded`
 * set; its last frame stays on the terminal.
 */
export async function mount<T>(pty: Pty, widget: (done: (outcome: Outcome<T>) => void, inputEnded: boolean) => ReactElement): Promise<Outcome<T>> {
  let outcome: Outcome<T> | undefined;
  const stop = new AbortController();
  const done = (result: Outcome<T>): void => {
    if (outcome) return;
    outcome = result;
    stop.abort();
  };
  const stdin = new KeyInput();
  const stdout = new TerminalOutput(pty);
  const ink = render(widget(done, false), {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  // A widget that throws is unmounted by Ink, which shows the error; the question must not wait forever then.
  let failure: { error: unknown } | undefined;
  ink.waitUntilExit().catch((error: unknown) => {
    failure = { error };
    stop.abort();
  });
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }));
  try {
    const end = await pty.readKeys(async (key) => {
      await Promise.race([stdin.deliver(key), stopped]);
      return outcome !== undefined || failure !== undefined;
    }, stop.signal);
    if (end === "end-of-input") {
      done({ kind: "end-of-input" });
      ink.rerender(widget(done, true));
    }
  } finally {
    ink.unmount();
    stdout.close();
  }
  if (failure) throw failure.error;
  return outcome!;
}

/** The stdin Ink reads: keys handed over one at a time; each `deliver` resolves once Ink has handled it. */
class KeyInput extends EventEmitter {
  readonly isTTY = true;
  private readonly queue: string[] = [];
  private handled: (() => void) | undefined;

  constructor() {
    super();
    // Ink starts listening only after its first render: give it what arrived before.
    this.on("newListener", (event: string) => {
      if (event === "readable" && this.queue.length) queueMicrotask(() => this.emit("readable"));
    });
  }

  deliver(key: string): Promise<void> {
    this.queue.push(key);
    const handled = new Promise<void>((resolve) => (this.handled = resolve));
    if (this.listenerCount("readable")) this.emit("readable");
    return handled;
  }

  /** Ink reads until null: by then it has handled every key it was given. */
  read(): string | null {
    const key = this.queue.shift();
    if (key !== undefined) return key;
    const handled = this.handled;
    this.handled = undefined;
    handled?.();
    return null;
  }

  // Raw mode, encoding and event-loop references belong to the Pty's real input.
  setRawMode(): this { return this; }
  setEncoding(): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
  resume(): this { return this; }
  pause(): this { return this; }
}

/** The stdout Ink writes to: the Pty's output, with the Pty's size and resize events. */
class TerminalOutput extends EventEmitter {
  readonly isTTY = true;
  private readonly stopResize: () => void;

  constructor(private readonly pty: Pty) {
    super();
    this.stopResize = pty.onResize(() => this.emit("resize"));
  }

  get columns(): number { return this.pty.getWidth(); }
  get rows(): number { return this.pty.getHeight(); }

  write(data: string): boolean {
    this.pty.stdout.write(data);
    return true;
  }

  close(): void {
    this.stopResize();
  }
}
