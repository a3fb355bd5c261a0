// Console: how an action talks to the person at the terminal (line-based here; the Ink widgets come with the shell).
import { DeployerException } from "./exceptions.ts";
import { colorize, type ColorName } from "./groups.ts";
import type { Pty } from "./pty.ts";

/** Why a question got no answer. */
export type NoInputReason = "non-interactive" | "end-of-input" | "interrupted" | "no-options";

/** A question could not be answered: nobody to ask and no default, end of input, Ctrl-C, or nothing to choose from. */
export class NoInput extends DeployerException {
  override readonly code = "NO_INPUT";
  override name = "NoInput";
  constructor(readonly question: string, readonly reason: NoInputReason) {
    super(`No answer to "${question}": ${REASONS[reason]}`);
  }
}

const REASONS: Record<NoInputReason, string> = {
  "non-interactive": "the session is not interactive and the question has no default",
  "end-of-input": "input ended and the question has no default",
  "interrupted": "interrupted",
  "no-options": "no options given",
};

export interface InputOptions {
  default?: string;
  /** Never echo the answer, never print the default. */
  isPassword?: boolean;
  /** The accepted answers (also Tab completions); anything else is asked again. */
  answers?: readonly string[];
}

/** An option of `choice`: `[label, value]`, or a string that is both. */
export type ChoiceOption<T> = readonly [label: string, value: T] | (T & string);

export interface ChoiceOptions<T> {
  /** Offer `random` (the default answer) to pick any option. Not together with `default`. */
  allowRandom?: boolean;
  /** The value chosen on an empty answer or when not interactive. */
  default?: T;
}

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

/** User interaction inside actions. In non-interactive mode every question takes its default. */
export class Console {
  constructor(readonly pty: Pty) {}

  get isInteractive(): boolean {
    return this.pty.interactive;
  }

  /**
   * Ask for a line of text. Takes the default on an empty answer, at end of input, and at once when not
   * interactive; throws `NoInput` when there is no default then, or on Ctrl-C.
   */
  async input(label: string, options: InputOptions = {}): Promise<string> {
    const { default: fallback, isPassword = false, answers } = options;
    const shown = (value: string) => (isPassword ? "***" : value);
    const prompt = `  ${label}${answers?.length ? ` [${answers.join(",")}]` : ""}`
      + `${fallback !== undefined ? ` (default=${shown(fallback)})` : ""}: `;
    const complete = answers ? () => answers : undefined;
    for (;;) {
      this.write(this.paint(prompt, "cyan"));
      const read = await this.pty.readLine({ mask: isPassword, complete });
      if (read.kind === "interrupt") throw new NoInput(label, "interrupted");
      if (read.kind === "eof") {
        if (fallback === undefined) {
          this.write("\n");
          throw new NoInput(label, this.pty.interactive ? "end-of-input" : "non-interactive");
        }
        const quoted = isPassword ? "***" : JSON.stringify(fallback);
        this.write(this.pty.interactive ? `${quoted}\n` : `[non interactive] ${quoted}\n`);
        return fallback;
      }
      const value = read.text === "" && fallback !== undefined ? fallback : read.text;
      if (value === "") continue;
      if (answers && !answers.includes(value)) {
        this.write("Invalid answer.\n");
        continue;
      }
      return value;
    }
  }

  /** Ask for a password: never echoed, never printed, only returned. */
  async password(label: string): Promise<string> {
    return await this.input(label, { isPassword: true });
  }

  /** Ask a yes/no question; `y`, `yes`, `n`, `no` in any case. */
  async confirm(question: string, options: { default?: boolean } = {}): Promise<boolean> {
    const fallback = options.default === undefined ? undefined : options.default ? "y" : "n";
    for (;;) {
      const answer = (await this.input(`${question} [y/n]`, { default: fallback })).trim().toLowerCase();
      if (answer === "y" || answer === "yes") return true;
      if (answer === "n" || answer === "no") return false;
      this.write("Please answer y or n.\n");
    }
  }

  /**
   * Ask to pick one of `options` (in the given order) by number or by label; resolves to its value.
   * With `allowRandom`, the default answer `random` picks any option.
   */
  async choice<T>(question: string, options: ReadonlyArray<ChoiceOption<T>>, settings: ChoiceOptions<T> = {}): Promise<T> {
    const list = options.map((o): readonly [string, T] => (typeof o === "string" ? [o, o] : (o as readonly [string, T])));
    if (list.length === 0) throw new NoInput(question, "no-options");
    if (settings.allowRandom && settings.default !== undefined) {
      throw new TypeError(`choice "${question}": give allowRandom or default, not both`);
    }
    let fallback: string | undefined;
    if (settings.allowRandom) fallback = "random";
    else if (settings.default !== undefined) {
      const index = list.findIndex(([, value]) => Object.is(value, settings.default));
      if (index < 0) throw new TypeError(`choice "${question}": the default ${String(settings.default)} is not one of the options`);
      fallback = String(index + 1);
    }
    for (;;) {
      this.write(this.paint(`  ${question}\n`, "cyan"));
      await this.lesspipe(list.map(([label], i) => `${String(i + 1).padStart(10)} ${label}`));
      const answer = (await this.input(question, { default: fallback })).trim();
      if (settings.allowRandom && answer === "random") return list[Math.floor(Math.random() * list.length)]![1];
      const number = /^\d+$/.test(answer) ? Number(answer) : 0;
      if (number >= 1 && number <= list.length) return list[number - 1]![1];
      const byLabel = list.find(([label]) => label === answer);
      if (byLabel) return byLabel[1];
      this.warning("Invalid input");
    }
  }

  /**
   * Print lines a page at a time: after each page (rows − 1 lines) wait for a key; `q` or Ctrl-C stops.
   * Pages only when interactive on a terminal with input; otherwise prints everything.
   */
  async lesspipe(lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
    const paging = this.pty.interactive && this.pty.isTTY && this.pty.stdin !== undefined;
    const pageSize = Math.max(this.pty.getHeight() - 1, 1);
    let onPage = 0;
    for await (const line of lines) {
      this.write(`${line}\n`);
      if (!paging || ++onPage < pageSize) continue;
      this.write(this.paint("  Press enter to continue...", "cyan"));
      const key = await this.pty.readKey();
      if (key === undefined || key === "q" || key === "\x03") {
        this.write("\n");
        return;
      }
      this.write("\r\x1b[K");
      onPage = 0;
    }
  }

  /**
   * Lay items out in columns that fit the terminal width, one string per line. An item is a string
   * (its width ignores colour codes) or `[text, visibleWidth]`.
   */
  inColumns(items: Iterable<string | readonly [text: string, width: number]>, options: { marginLeft?: number } = {}): string[] {
    const all = [...items].map((item) => (typeof item === "string" ? [item, visibleWidth(item)] as const : item));
    if (all.length === 0) return [];
    const margin = " ".repeat(options.marginLeft ?? 0);
    const columnWidth = Math.max(...all.map(([, width]) => width)) + 1;
    const perLine = Math.max(Math.floor((this.pty.getWidth() - margin.length) / columnWidth), 1);
    const lines: string[] = [];
    for (let i = 0; i < all.length; i += perLine) {
      const row = all.slice(i, i + perLine);
      lines.push(margin + row.map(([text, width], j) => (j < row.length - 1 ? text + " ".repeat(columnWidth - width) : text)).join(""));
    }
    return lines;
  }

  /** Print a warning line: `*** WARNING: text ***`. */
  warning(text: string): void {
    this.write(`${this.paint("*** ", "yellow")}${this.paint("WARNING: ", "red")}${this.paint(text, "red", true)}${this.paint(" ***", "yellow")}\n`);
  }

  /**
   * A progress bar: call `next()` or `setProgress(n)`, then `finish()` (or declare it with `using`).
   * Redraws in place on a terminal; elsewhere prints only its final line.
   */
  progressBar(message: string, options: ProgressBarOptions = {}): ProgressBar {
    return new ProgressBar(this.pty, message, options);
  }

  /** A progress bar over numbered steps (`{ 1: "Resolving", 2: "Connecting" }`); the status shows the current step. */
  progressBarWithSteps(message: string, steps: Readonly<Record<number, string>>, options: Omit<ProgressBarOptions, "expected"> = {}): ProgressBar {
    return new ProgressBar(this.pty, message, { ...options, steps });
  }

  private write(text: string): void {
    this.pty.stdout.write(text);
  }

  private paint(text: string, color: ColorName, bold = false): string {
    return this.pty.isTTY ? colorize(text, color, { bold }) : text;
  }
}

/** The progress of one task, drawn on one terminal line. */
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
    if (this.pty.isTTY) this.pty.stdout.write(`\r\x1b[K${this.render()}\r`);
  }
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** Width on screen: colour codes take none. */
function visibleWidth(text: string): number {
  return [...text.replace(/\x1b\[[0-9;]*m/g, "")].length;
}
