// The interactive shell over a node tree: a prompt, completion, builtins and actions.
import { hostname } from "node:os";
import { inspect } from "../engine/_builtins.ts";
import {
  ActionException, Console, Env, bindToCaller, Inspector, PASSING_THROUGH, ParallelActionResult, colorize, userFrames, userLocation, type Node, type Pty,
} from "../engine/index.ts";
import { LineEditor, type Completion, type EditorIo } from "./_editor.ts";
import * as D from "./_document.ts";
import { History } from "./_history.ts";
import { actionCandidates, closest, navCandidates, nodeLabel, resolveNav, type ShellState } from "./_nav.ts";
import { COMMANDS, type Command } from "./_commands.ts";
import { splitWords, quoteWord } from "./_words.ts";

export interface ShellOptions {
  /** The root Env; every action runs in it (or in its sandboxed twin). */
  root: Node;
  pty: Pty;
  /** Where history is kept (one file per deploy script); none keeps it in memory. */
  historyFile?: string;
  /** Colours on or off (off for NO_COLOR and non-terminals). */
  color: boolean;
  /** Version line parts for --version. */
  version: string;
  /** The deploy script, for --source-code. */
  sourceFile?: string;
  /** Commands of the run mode (e.g. `new` in a shared session), after the built-ins. */
  extraCommands?: readonly Command[];
  /** Runtime options shared with other shells (default: this shell's own). */
  options?: Map<string, string>;
  /** Text before the node path in the prompt (the telnet server's `user@`). */
  promptPrefix?: string;
  /** Ctrl-letter keys that run a command line at once (e.g. `{ n: "new" }`). */
  keyBindings?: Readonly<Record<string, string>>;
}

/** A running action, so Ctrl-C can stop it. */
interface Running {
  interrupted: boolean;
  stop(): void;
}

/** The deployment shell: navigate with cd/ls, run actions, inspect. */
export class Shell {
  readonly state: ShellState;
  /** Runtime options (set-option); a shared session passes one map to all its shells. */
  readonly options: Map<string, string>;
  private readonly editor: LineEditor;
  private readonly subshells: ShellState[] = [];
  private running: Running | undefined;

  constructor(readonly config: ShellOptions) {
    this.options = config.options ?? defaultShellOptions();
    this.state = { node: config.root, previous: undefined, root: config.root };
    const io: EditorIo = {
      input: config.pty.stdin as EditorIo["input"],
      output: config.pty.stdout as EditorIo["output"],
      width: () => config.pty.getWidth(),
    };
    this.editor = new LineEditor(io, new History(config.historyFile), (d) => this.complete(d), (items) => this.console.inColumns(items), config.keyBindings);
  }

  /** The built-in commands, then the run mode's. */
  get commands(): readonly Command[] {
    return [...COMMANDS, ...(this.config.extraCommands ?? [])];
  }

  get console(): Console {
    return new Console(this.config.pty);
  }

  get color(): boolean {
    return this.config.color;
  }

  /** Write a line to the terminal. */
  print(text = ""): void {
    this.config.pty.stdout.write(`${text}\n`);
  }

  paint(text: string, color: Parameters<typeof colorize>[1]): string {
    return this.color ? colorize(text, color) : text;
  }

  /** `root.web[web1] > `, each name coloured by its group. */
  prompt(): string {
    const path = new Inspector(this.state.node).getPath("NODE_ONLY") as unknown as Node[];
    const parts = path.map((node) => {
      const inspector = new Inspector(node);
      const name = inspector.getName();
      const id = inspector.isIsolated() ? inspector.getIsolationIdentifier() : undefined;
      const label = id !== undefined && !name.endsWith(`[${id}]`) ? `${name}[${id}]` : name;
      return this.color ? nodeLabel(node, label) : label;
    });
    const depth = this.subshells.length ? this.paint(`(subshell ${this.subshells.length}) `, "magenta") : "";
    return `${depth}${this.config.promptPrefix ?? ""}${parts.join(".")}${this.paint(" > ", "cyan")}`;
  }

  /** Read and run commands until `exit` or end of input. */
  async run(): Promise<void> {
    for (;;) {
      const result = await this.editor.read(this.prompt());
      if (result.kind === "eof") {
        if (this.leaveSubshell()) continue;
        return;
      }
      if (await this.handle(result.text) === "exit") return;
    }
  }

  /** Run one command line; "exit" when the shell should end. */
  async handle(line: string): Promise<"exit" | void> {
    const { words, openQuote } = splitWords(line);
    if (openQuote) return this.print(`${this.paint("error:", "red")} unterminated ${openQuote} quote`);
    if (words.length === 0) return;
    const values = words.map((w) => w.value);
    const command = this.commands.find((c) => c.name === values[0]);
    try {
      if (command) return await command.run(this, values.slice(1));
      await this.runActionPath(values, false);
    } catch (error) {
      this.reportError(error);
    }
  }

  /** `[node words…] action [args…]`: run it (in the sandbox when asked) and show the result. */
  async runActionPath(words: string[], sandbox: boolean): Promise<void> {
    const parsed = this.parseActionPath(words);
    if ("error" in parsed) return this.print(parsed.error);
    const target = sandbox ? Env.sandboxed(parsed.node) : parsed.node;
    const inspector = new Inspector(target);
    const action = parsed.action ?? "default";
    if (!inspector.hasAction(action)) {
      return this.print(`${this.paint("Incomplete command:", "yellow")} ${inspector.getFullName()} is a node; type an action after it (try ls)`);
    }
    const info = inspector.getAction(action);
    const result = await this.interruptible(info.call(...parsed.args));
    if (result === INTERRUPTED || info.suppressResult) return;
    await this.showResult(result);
  }

  /** Resolve node words from the current node up to the action; arguments are never resolved. */
  parseActionPath(words: string[]): { node: Node; action: string | undefined; args: string[] } | { error: string } {
    let node = this.state.node;
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      const next = resolveNav(this.state, node, word);
      if (next) {
        node = next;
        continue;
      }
      if (new Inspector(node).hasAction(word)) return { node, action: word, args: words.slice(i + 1) };
      // A command after node names (`web --run`): it takes the nodes after it instead.
      if (i > 0 && this.commands.some((command) => command.name === word)) {
        return { error: `${this.paint("Unknown command:", "red")} "${word}" is a command, so it comes first: ${[word, ...words.slice(0, i), ...words.slice(i + 1)].join(" ")}` };
      }
      return { error: this.unknown(word, node) };
    }
    return { node, action: undefined, args: [] };
  }

  /** "Unknown command" with the closest names. */
  unknown(word: string, node: Node): string {
    const inspector = new Inspector(node);
    const names = [
      ...this.commands.map((c) => c.name),
      ...inspector.getChildnodes().map((n) => new Inspector(n).getName()),
      ...inspector.getActionNames(),
    ];
    const suggestions = closest(word, names);
    const hint = suggestions.length ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?` : " Type ls to see what is here.";
    return `${this.paint("Unknown command:", "red")} "${word}" is not a command, node or action at ${inspector.getFullName()}.${hint}`;
  }

  private async showResult(result: unknown): Promise<void> {
    if (result === undefined) return;
    if (result instanceof Env) {
      this.print(this.paint("Starting subshell ...", "magenta"));
      this.subshells.push({ ...this.state });
      this.state.previous = this.state.node;
      this.state.node = result as Node;
      return;
    }
    if (result instanceof ParallelActionResult) return this.print(String(result));
    if (typeof result === "string") return this.print(result.replace(/\n$/, ""));
    this.print(inspect(result, { colors: this.color, depth: 4 }));
  }

  /** Leave a subshell (`return`, `exit` or Ctrl-D inside one); false at the top level. */
  leaveSubshell(): boolean {
    const outer = this.subshells.pop();
    if (!outer) return false;
    Object.assign(this.state, outer);
    return true;
  }

  get inSubshell(): boolean {
    return this.subshells.length > 0;
  }

  /** Change the current node, remembering the previous one for `cd -`. */
  cd(node: Node): void {
    if (node === this.state.node) return;
    this.state.previous = this.state.node;
    this.state.node = node;
  }

  /** One line for an error from an action or a command, with the user's frames. */
  reportError(error: unknown): void {
    const inner = error instanceof ActionException ? error.innerException : error;
    const location = userLocation(inner);
    const message = error instanceof ActionException && error.outcomes
      ? error.message
      : inner instanceof Error ? (inner.name === "Error" || "code" in inner ? inner.message : `${inner.name}: ${inner.message}`) : String(inner);
    this.print(`${this.paint("error:", "red")} ${location ? `${location}: ` : ""}${message}`);
    for (const frame of userFrames(inner).slice(0, 5)) this.print(`  ${frame}`);
  }

  /**
   * Await an action; Ctrl-C stops its commands and returns to the prompt at once
   * (an interactive command gets the Ctrl-C itself, through its PTY).
   */
  async interruptible<T>(promise: Promise<T>): Promise<T | typeof INTERRUPTED> {
    const input = this.config.pty.stdin as EditorIo["input"] | undefined;
    let resolveInterrupt!: () => void;
    const interrupted = new Promise<typeof INTERRUPTED>((resolve) => { resolveInterrupt = () => resolve(INTERRUPTED); });
    const wasRaw = input?.isRaw ?? false;
    const onData = bindToCaller((data: Buffer) => {
      // While a PTY command passes keys through, Ctrl-C is its to handle.
      if (!data.includes(0x03) || (input as unknown as Record<symbol, boolean>)[PASSING_THROUGH]) return;
      this.print("^C");
      const stopped = Env.interrupt(this.config.root);
      this.print(this.paint(`Interrupted${stopped ? ` (stopped ${stopped} running command${stopped === 1 ? "" : "s"})` : ""}.`, "yellow"));
      resolveInterrupt();
    });
    if (input?.isTTY) {
      input.setRawMode?.(true);
      input.on("data", onData);
      input.resume();
    }
    try {
      return await Promise.race([promise, interrupted]);
    } finally {
      if (input?.isTTY) {
        input.off("data", onData);
        input.pause();
        input.setRawMode?.(wasRaw);
      }
      // An interrupted action may still reject later: that is expected, not a crash.
      promise.catch(() => undefined);
    }
  }

  /** Completion for the word before the cursor. */
  complete(d: D.Document): Completion {
    const line = D.before(d);
    const { words } = splitWords(line, { trailingEmpty: true });
    const last = words.at(-1)!;
    const values = words.slice(0, -1).map((w) => w.value);
    const color = this.color;
    const candidates = (() => {
      if (values.length === 0) {
        const builtins = this.commands.filter((c) => c.name.startsWith(last.value) && (c.name !== "return" || this.inSubshell))
          .map((c) => ({ text: c.name, display: this.paint(c.name, "cyan") }));
        return [...actionCandidates(this.state, this.state.node, last.value, color), ...builtins];
      }
      const command = this.commands.find((c) => c.name === values[0]);
      if (command) return command.complete?.(this, values.slice(1), last.value) ?? [];
      const parsed = this.parseActionPath(values);
      if ("error" in parsed || parsed.action) return []; // nothing completes after an action name
      return actionCandidates(this.state, parsed.node, last.value, color);
    })();
    return { start: last.start, candidates: candidates.map((c) => ({ ...c, text: quoteWord(c.text) })) };
  }

  /** Walk node words for a command's arguments; undefined when one does not resolve. */
  walk(words: string[], from: Node = this.state.node): Node | undefined {
    let node: Node | undefined = from;
    for (const word of words) {
      node = node && resolveNav(this.state, node, word);
      if (!node) return undefined;
    }
    return node;
  }

  /** Candidates for a node-path argument after `words`. */
  completeNodes(words: string[], part: string) {
    const node = this.walk(words);
    return node ? navCandidates(this.state, node, part, this.color) : [];
  }

  versionLine(): string {
    const root = new Inspector(this.state.root).getName();
    return `deployer ${this.config.version} on ${hostname()}, root node <${root}>`;
  }
}

/**
 * The runtime options: `parallel-panes` gives each host of a parallel action its own tmux pane (in
 * a shared session inside tmux); `keep-panes-open` keeps such a pane until a key is pressed.
 */
export function defaultShellOptions(): Map<string, string> {
  return new Map([["keep-panes-open", "off"], ["parallel-panes", "off"]]);
}

/** The value an interrupted action resolves to in the shell. */
export const INTERRUPTED: unique symbol = Symbol("interrupted");

export type { Command };
