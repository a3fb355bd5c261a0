// ProgressBar: the progress of one task on one terminal line.
import { colorize, type ColorName } from "../groups.ts";
import type { Pty } from "../pty.ts";
import { drawsWithInk, loadedWidgets, preloadWidgets } from "./_load.ts";

/** The facts a progress bar line is made of. */
export interface ProgressState {
  message: string;
  counter: number;
  expected: number | undefined;
  /** Integer percent such as `42%`, or `??` when unknown. */
  percentage: string;
  /** H:MM:SS since the bar started. */
  duration: string;
  /** `DONE` when finished, else the current step's description, else empty. */
  status: string;
  done: boolean;
}

export interface ProgressBarOptions {
  /** The count at which the work is complete. */
  expected?: number;
  /** Erase the bar when finished instead of leaving its final line. */
  clearOnFinish?: boolean;
  /** Builds the line from the state (default: `message:  3/10 [30% completed]  [0:00:02]  [status]`). */
  format?: (state: ProgressState) => string;
  /** Clock in milliseconds (default `Date.now`), so tests need no real time. */
  now?: () => number;
}

/** Redraws are throttled to this interval unless forced. */
const REDRAW_INTERVAL_MS = 100;

/**
 * The progress of one task, drawn on one terminal line. On an interactive terminal the line is the Ink
 * component `ProgressLine`; it is still drawn in place (`\r`, erase line) rather than by Ink's live
 * renderer, so command output printed meanwhile is never erased and parallel bars never fight over lines.
 */
export class ProgressBar implements Disposable {
  counter = 0;
  private done = false;
  private readonly expected: number | undefined;
  private readonly steps: ReadonlyMap<number, string> | undefined;
  private readonly now: () => number;
  private readonly startedAt: number;
  private endedAt: number | undefined;
  private lastDraw: number;

  constructor(
    private readonly pty: Pty,
    readonly message: string,
    private readonly options: ProgressBarOptions & { steps?: Readonly<Record<number, string>> } = {},
  ) {
    if (options.expected !== undefined && options.steps !== undefined) throw new TypeError("a progress bar takes expected or steps, not both");
    if (options.steps) {
      const entries = Object.entries(options.steps).map(([key, text]) => [Number(key), text] as const);
      if (entries.length === 0 || entries.some(([key]) => !Number.isInteger(key))) throw new TypeError("progress bar steps must be numbered 1, 2, …");
      this.steps = new Map(entries);
      this.expected = Math.max(...this.steps.keys());
    } else {
      this.expected = options.expected;
    }
    this.now = options.now ?? Date.now;
    this.startedAt = this.lastDraw = this.now();
    // Until Ink has loaded (the first bar of a run), the same line comes from `render()`.
    if (drawsWithInk(pty)) preloadWidgets();
    this.draw();
  }

  get isDone(): boolean {
    return this.done;
  }

  /** Count one more; redraws at most every 100 ms. */
  next(): void {
    this.setProgress(this.counter + 1, false);
  }

  /** Set the count; redraws now, or (with `rewrite` false) only if the last redraw is 100 ms old. */
  setProgress(value: number, rewrite = true): void {
    this.counter = value;
    if (rewrite || this.now() - this.lastDraw > REDRAW_INTERVAL_MS) this.draw();
  }

  /** Mark the work done: leave the final line (or erase it with `clearOnFinish`). Idempotent. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.endedAt = this.now();
    if (this.options.clearOnFinish) {
      if (this.pty.isTTY) this.pty.stdout.write("\r\x1b[K");
    } else if (this.pty.isTTY) {
      this.draw();
      this.pty.stdout.write("\n");
    } else {
      this.pty.stdout.write(`${this.render(false)}\n`);
    }
  }

  [Symbol.dispose](): void {
    this.finish();
  }

  /** The facts the line shows right now. */
  state(): ProgressState {
    const expected = this.expected;
    const seconds = Math.floor(((this.endedAt ?? this.now()) - this.startedAt) / 1000);
    const duration = `${Math.floor(seconds / 3600)}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}`;
    return {
      message: this.message,
      counter: this.counter,
      expected,
      percentage: expected ? `${Math.floor((this.counter * 100) / expected)}%` : "??",
      duration,
      status: this.done ? "DONE" : (this.steps?.get(this.counter) ?? ""),
      done: this.done,
    };
  }

  /** The line as text, coloured when `color` is set (custom formats are used as they are). */
  render(color = this.pty.isTTY): string {
    const s = this.state();
    if (this.options.format) return this.options.format(s);
    const paint = (text: string, name: ColorName, bold = false) => (color ? colorize(text, name, { bold }) : text);
    const counter = s.expected !== undefined ? `${s.counter}/${s.expected} [${s.percentage} completed]` : `${s.counter}`;
    const status = s.status ? `  ${paint(`[${s.status}]`, "green")}` : "";
    return `${paint(`${s.message}:`, "cyan")}  ${paint(counter, "cyan", true)}  ${paint(`[${s.duration}]`, "cyan")}${status}`;
  }

  private draw(): void {
    this.lastDraw = this.now();
    if (!this.pty.isTTY) return;
    const widgets = drawsWithInk(this.pty) ? loadedWidgets() : undefined;
    const line = widgets ? widgets.progressLine(this.state(), this.options.format, this.pty.getWidth()) : this.render();
    this.pty.stdout.write(`\r\x1b[K${line}\r`);
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
