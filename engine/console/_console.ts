// Console: how an action talks to the person at the terminal. On a real terminal the questions are Ink
// widgets; on a DummyPty or a pipe they are line prompts; when nobody is there they take their defaults.
import { colorize, type ColorName } from "../groups.ts";
import type { Filter } from "../node/_filters.ts";
import type { Node } from "../node/_node.ts";
import type { Pty } from "../pty.ts";
import { inColumns, type ColumnItem } from "./_columns.ts";
import type { Outcome } from "./_keys.ts";
import { asksWithWidgets, loadWidgets } from "./_load.ts";
import { NoInput } from "./_no-input.ts";
import { ProgressBar, type ProgressBarOptions } from "./_progress.ts";

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

export interface SelectNodeOptions {
  /** Only nodes this filter keeps are offered. */
  filter?: Filter;
  /** The question (default "Select a node"). */
  prompt?: string;
}

/**
 * User interaction inside actions. In non-interactive mode every question takes its default at once.
 * Questions on one terminal are asked one at a time, in the order they were asked.
 */
export class Console {
  constructor(readonly pty: Pty) {}

  get isInteractive(): boolean {
    return this.pty.interactive;
  }

  /**
   * Ask for a line of text. Takes the default on an empty answer, at end of input, and at once when not
   * interactive; throws `NoInput` when there is no default then, or on Ctrl-C.
   */
  input(label: string, options: InputOptions = {}): Promise<string> {
    return this.inTurn(() => this.askInput(label, options));
  }

  /** Ask for a password: never echoed, never printed, only returned. */
  password(label: string): Promise<string> {
    return this.input(label, { isPassword: true });
  }

  /** Ask a yes/no question; `y`, `yes`, `n`, `no` in any case. */
  confirm(question: string, options: { default?: boolean } = {}): Promise<boolean> {
    return this.inTurn(() => this.askConfirm(question, options.default));
  }

  /**
   * Ask to pick one of `options` (in the given order) by number or by label; resolves to its value.
   * With `allowRandom`, the default answer `random` picks any option.
   */
  choice<T>(question: string, options: ReadonlyArray<ChoiceOption<T>>, settings: ChoiceOptions<T> = {}): Promise<T> {
    return this.inTurn(() => this.askChoice(question, options, settings));
  }

  /**
   * Let the user pick a node of the tree under `root` (a Node or an Env): every node the walk finds,
   * named by its full name. Not interactive: the first one. Throws `NoInput` when none matches.
   */
  selectNode(root: Node, options: SelectNodeOptions = {}): Promise<Node> {
    return this.inTurn(() => this.askNode(root, options));
  }

  /**
   * Print lines a page at a time (rows − 1 lines), consuming them lazily (one line ahead, to know whether
   * to offer more); `q` or Ctrl-C stops. Pages only when interactive on a terminal; otherwise prints everything.
   */
  lesspipe(lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
    return this.inTurn(() => this.page(lines));
  }

  /**
   * Lay items out in columns that fit the terminal width, one string per line. An item is a string
   * (its width ignores colour codes) or `[text, visibleWidth]`.
   */
  inColumns(items: Iterable<ColumnItem>, options: { marginLeft?: number } = {}): string[] {
    return inColumns(items, this.pty.getWidth(), options.marginLeft ?? 0);
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

  // The questions, once it is their turn.

  /** Questions that may wait for a person take turns; when nobody is asked, there is nothing to wait for. */
  private inTurn<T>(ask: () => Promise<T>): Promise<T> {
    return this.pty.interactive ? this.pty.exclusive(ask) : ask();
  }

  private get widgets(): boolean {
    return asksWithWidgets(this.pty);
  }

  private async askInput(label: string, options: InputOptions): Promise<string> {
    const { default: fallback, isPassword = false, answers } = options;
    if (this.widgets) {
      const ui = await loadWidgets();
      return settle(await ui.input(this.pty, label, { default: fallback, answers, mask: isPassword }), label, fallback);
    }
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

  private async askConfirm(question: string, fallback: boolean | undefined): Promise<boolean> {
    const label = `${question} [y/n]`;
    if (this.widgets) {
      const ui = await loadWidgets();
      return settle(await ui.confirm(this.pty, question, fallback), label, fallback);
    }
    for (;;) {
      const answer = (await this.askInput(label, { default: fallback === undefined ? undefined : fallback ? "y" : "n" })).trim().toLowerCase();
      if (answer === "y" || answer === "yes") return true;
      if (answer === "n" || answer === "no") return false;
      this.write("Please answer y or n.\n");
    }
  }

  private async askChoice<T>(question: string, options: ReadonlyArray<ChoiceOption<T>>, settings: ChoiceOptions<T>): Promise<T> {
    const list = options.map((o): readonly [string, T] => (typeof o === "string" ? [o, o] : (o as readonly [string, T])));
    if (list.length === 0) throw new NoInput(question, "no-options");
    if (settings.allowRandom && settings.default !== undefined) {
      throw new TypeError(`choice "${question}": give allowRandom or default, not both`);
    }
    let defaultIndex: number | undefined;
    if (settings.default !== undefined) {
      defaultIndex = list.findIndex(([, value]) => Object.is(value, settings.default));
      if (defaultIndex < 0) throw new TypeError(`choice "${question}": the default ${String(settings.default)} is not one of the options`);
    }
    const random = () => list[Math.floor(Math.random() * list.length)]![1];
    if (this.widgets) {
      const ui = await loadWidgets();
      const fallback = settings.allowRandom ? "random" as const : defaultIndex;
      const picked = settle(await ui.choice(this.pty, question, list.map(([label]) => label), { allowRandom: settings.allowRandom, defaultIndex }), question, fallback);
      return picked === "random" ? random() : list[picked]![1];
    }
    const fallback = settings.allowRandom ? "random" : defaultIndex !== undefined ? String(defaultIndex + 1) : undefined;
    for (;;) {
      this.write(this.paint(`  ${question}\n`, "cyan"));
      await this.printLines(list.map(([label], i) => `${String(i + 1).padStart(10)} ${label}`));
      const answer = (await this.askInput(question, { default: fallback })).trim();
      if (settings.allowRandom && answer === "random") return random();
      const number = /^\d+$/.test(answer) ? Number(answer) : 0;
      if (number >= 1 && number <= list.length) return list[number - 1]![1];
      const byLabel = list.find(([label]) => label === answer);
      if (byLabel) return byLabel[1];
      this.warning("Invalid input");
    }
  }

  private async askNode(root: Node, options: SelectNodeOptions): Promise<Node> {
    // Loaded on use: engine/node imports this module.
    const { Inspector } = await import("../node/_inspector.ts");
    const prompt = options.prompt ?? "Select a node";
    const nodes = [...new Inspector(root).walk(options.filter)];
    if (nodes.length === 0) throw new NoInput(prompt, "no-options");
    const names = nodes.map((node) => new Inspector(node).getFullName());
    if (this.widgets) {
      const ui = await loadWidgets();
      return nodes[settle(await ui.selectNode(this.pty, prompt, names), prompt, 0)]!;
    }
    if (!this.pty.interactive) {
      this.write(`${this.paint(`  ${prompt}: `, "cyan")}[non interactive] ${names[0]}\n`);
      return nodes[0]!;
    }
    return await this.askChoice(prompt, nodes.map((node, i) => [names[i]!, node] as const), { default: nodes[0] });
  }

  private async page(lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
    if (!this.widgets) return await this.printLines(lines);
    const pageSize = Math.max(this.pty.getHeight() - 1, 1);
    const source = new Lookahead(lines);
    try {
      const first = await source.take(pageSize);
      // What fits on one page is simply printed: no pager, no waiting.
      if (!(await source.hasMore())) {
        for (const line of first) this.write(`${line}\n`);
        return;
      }
      const ui = await loadWidgets();
      // A source that fails ends the pager; the error then goes to the caller.
      let failure: { error: unknown } | undefined;
      await ui.page(this.pty, first, async (count) => {
        try {
          return { lines: await source.take(count), done: !(await source.hasMore()) };
        } catch (error) {
          failure = { error };
          return { lines: [], done: true };
        }
      }, pageSize);
      if (failure) throw failure.error;
    } finally {
      await source.close();
    }
  }

  /** Without a terminal to page on, every line is printed. */
  private async printLines(lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
    for await (const line of lines) this.write(`${line}\n`);
  }

  private write(text: string): void {
    this.pty.stdout.write(text);
  }

  private paint(text: string, color: ColorName, bold = false): string {
    return this.pty.isTTY ? colorize(text, color, { bold }) : text;
  }
}

/** A widget's outcome as the answer: Ctrl-C is NoInput; the end of input takes the default, if there is one. */
function settle<T>(outcome: Outcome<T>, question: string, fallback: T | undefined): T {
  if (outcome.kind === "answer") return outcome.value;
  if (outcome.kind === "interrupted") throw new NoInput(question, "interrupted");
  if (fallback === undefined) throw new NoInput(question, "end-of-input");
  return fallback;
}

/** Lines pulled on demand, with one line of lookahead to tell whether more follow. */
class Lookahead {
  private readonly iterator: Iterator<string> | AsyncIterator<string>;
  private peeked: IteratorResult<string> | undefined;

  constructor(lines: Iterable<string> | AsyncIterable<string>) {
    this.iterator = Symbol.asyncIterator in lines ? lines[Symbol.asyncIterator]() : lines[Symbol.iterator]();
  }

  async take(count: number): Promise<string[]> {
    const lines: string[] = [];
    while (lines.length < count) {
      const next = this.peeked ?? await this.iterator.next();
      this.peeked = undefined;
      if (next.done) {
        this.peeked = next;
        break;
      }
      lines.push(next.value);
    }
    return lines;
  }

  async hasMore(): Promise<boolean> {
    this.peeked ??= await this.iterator.next();
    return !this.peeked.done;
  }

  /** Let the source clean up (a generator's `finally`) when the pager stops early. */
  async close(): Promise<void> {
    if (!this.peeked?.done) await this.iterator.return?.();
  }
}
