// A line editor over any input/output pair (a TTY, a socket, a test's PTY): node:readline decodes
// the keys; the line is a Document; completion and history come from outside.
import { nodeReadline } from "../engine/_builtins.ts";
import type { Readable, Writable } from "node:stream";
import * as D from "./_document.ts";
import type { History } from "./_history.ts";

/** One way to complete the word before the cursor. */
export interface Candidate {
  /** What replaces the line from `start` to the cursor. */
  text: string;
  /** How it is shown in the list (may be coloured). */
  display: string;
  /** Whether a space follows when it is the only candidate (false for a directory-like prefix). */
  final?: boolean;
}

export interface Completion {
  start: number;
  candidates: Candidate[];
}

export type ReadResult = { kind: "line"; text: string } | { kind: "eof" };

export interface EditorIo {
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown; isRaw?: boolean };
  output: Writable;
  /** Terminal width in columns. */
  width(): number;
}

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
  sequence?: string;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** Never put into the line: C0 and C1 controls (U+009B is a CSI of its own) would reach the terminal raw. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
/** How long Tab waits for candidates that have to be fetched. */
const COMPLETION_TIMEOUT_MS = 1500;
export const visibleLength = (s: string) => [...s.replace(ANSI, "")].length;

/** Reads lines with editing, history, Ctrl-R search and Tab completion. */
export class LineEditor {
  /** The key handler of the line being read, if one is. */
  private handler: ((str: string | undefined, key: Key) => unknown) | undefined;
  /** Keys that came in the same chunk as the Enter that ended a line (a paste of several lines). */
  private readonly typeahead: Array<[string | undefined, Key]> = [];
  /**
   * Keys are kept for the next line only until the chunk that ended this one is consumed: anything
   * typed later belongs to whatever runs next (a password question must never leak into the line).
   */
  private capture = false;

  constructor(
    private readonly io: EditorIo,
    private readonly history: History,
    /** Candidates for the word before the cursor; may be asynchronous (remote paths), then time-boxed. */
    private readonly complete: (d: D.Document) => Completion | Promise<Completion>,
    /** Lays candidates out in columns (the Console's inColumns). */
    private readonly columns: (items: string[]) => string[],
    /** Ctrl-letter keys that submit a command line of their own. */
    private readonly bindings: Readonly<Record<string, string>> = {},
  ) {
    nodeReadline().emitKeypressEvents(io.input);
    io.input.on("keypress", (str: string | undefined, key: Key) => {
      if (this.handler) this.handler(str, key);
      else if (this.capture) this.typeahead.push([str, key]);
    });
  }

  /** Read one line after `prompt`. Ctrl-C clears the line; Ctrl-D on an empty line is end of input. */
  read(prompt: string): Promise<ReadResult> {
    const { input, output } = this.io;
    return new Promise((resolve) => {
      let d = D.EMPTY;
      let historyIndex = this.history.entries.length;
      let saved = "";
      let lastWasTab = false;
      let search: { needle: string; index: number } | undefined;
      const wasRaw = input.isRaw ?? false;
      input.setRawMode?.(true);

      const render = () => {
        if (search) {
          const match = search.index >= 0 ? this.history.entries[search.index]! : "";
          output.write(`\r\x1b[K(reverse-i-search)'${search.needle}': ${match}`);
          return;
        }
        const promptWidth = visibleLength(prompt);
        const room = Math.max(10, this.io.width() - promptWidth - 1);
        const offset = d.cursor > room ? d.cursor - room : 0;
        const shown = d.text.slice(offset, offset + room);
        const column = promptWidth + d.cursor - offset;
        output.write(`\r\x1b[K${prompt}${shown}\r${column > 0 ? `\x1b[${column}C` : ""}`);
      };

      let done = false;
      let ended = () => {};
      const finish = (result: ReadResult) => {
        done = true;
        ended();
        this.handler = undefined;
        this.capture = true;
        setImmediate(() => { this.capture = false; });
        input.setRawMode?.(wasRaw);
        if (!this.typeahead.length) input.pause();
        resolve(result);
      };

      const submit = () => {
        output.write("\r\n");
        this.history.add(d.text);
        finish({ kind: "line", text: d.text });
      };

      const onSearchKey = (str: string | undefined, key: Key): unknown => {
        const s = search!;
        if (key.ctrl && key.name === "r") {
          const next = this.history.search(s.needle, s.index < 0 ? this.history.entries.length : s.index);
          if (next >= 0) s.index = next;
        } else if (key.name === "backspace") {
          s.needle = s.needle.slice(0, -1);
          s.index = this.history.search(s.needle);
        } else if ((key.ctrl && key.name === "g") || key.name === "escape" || (key.ctrl && key.name === "c")) {
          search = undefined;
        } else if (str && !key.ctrl && !key.meta && !CONTROL.test(str) && key.name !== "return") {
          s.needle += str;
          s.index = this.history.search(s.needle);
        } else {
          // Any other key takes the match into the line and is then handled as usual.
          d = D.doc(s.index >= 0 ? this.history.entries[s.index]! : d.text);
          search = undefined;
          render();
          return onKey(str, key);
        }
        render();
      };

      const tab = (again: boolean) => {
        const answer = this.complete(d);
        if (!(answer instanceof Promise)) return applyCompletion(answer, again);
        // A slow answer (a remote listing) is dropped rather than freezing the prompt; so is one
        // for a line that changed meanwhile.
        const asked = d;
        void Promise.race([answer, new Promise<undefined>((resolve) => setTimeout(resolve, COMPLETION_TIMEOUT_MS))]).then(
          (completion) => {
            if (done || d !== asked) return;
            if (!completion) return output.write("\x07");
            applyCompletion(completion, again);
          },
          () => output.write("\x07"),
        );
      };

      const applyCompletion = (completion: Completion, again: boolean) => {
        const candidates = completion.candidates;
        if (candidates.length === 0) return output.write("\x07");
        const current = d.text.slice(completion.start, d.cursor);
        // A Tab that completed something does not count towards the double Tab that lists.
        if (candidates.length === 1) {
          const only = candidates[0]!;
          d = D.replaceBeforeCursor(d, completion.start, only.text + (only.final === false ? "" : " "));
          lastWasTab = false;
          return render();
        }
        const prefix = commonPrefix(candidates.map((c) => c.text));
        if (prefix.length > current.length) {
          d = D.replaceBeforeCursor(d, completion.start, prefix);
          lastWasTab = false;
          return render();
        }
        if (!again) return output.write("\x07");
        output.write(`\r\n${this.columns(candidates.map((c) => c.display)).join("\r\n")}\r\n`);
        render();
      };

      const onKey = (str: string | undefined, key: Key = {}): unknown => {
        if (search) return onSearchKey(str, key);
        const again = lastWasTab;
        lastWasTab = key.name === "tab";
        if (key.name === "tab") return tab(again);
        if (key.ctrl) {
          const bound = key.name !== undefined && Object.hasOwn(this.bindings, key.name) ? this.bindings[key.name] : undefined;
          if (bound !== undefined) {
            output.write("\r\n");
            return finish({ kind: "line", text: bound });
          }
          switch (key.name) {
            case "c":
              output.write("^C\r\n");
              d = D.EMPTY;
              historyIndex = this.history.entries.length;
              return render();
            case "d":
              if (d.text === "") {
                output.write("\r\n");
                return finish({ kind: "eof" });
              }
              d = D.deleteForward(d);
              return render();
            case "a": d = D.home(d); return render();
            case "e": d = D.end(d); return render();
            case "b": d = D.left(d); return render();
            case "f": d = D.right(d); return render();
            case "k": d = D.killToEnd(d); return render();
            case "u": d = D.killToStart(d); return render();
            case "w": d = D.killWordBackward(d); return render();
            case "h": d = D.deleteBackward(d); return render();
            case "l": output.write("\x1b[2J\x1b[H"); return render();
            case "r": search = { needle: "", index: -1 }; return render();
            case "p": return historyStep(-1);
            case "n": return historyStep(1);
            case "j": case "m": return submit();
          }
          return;
        }
        if (key.meta && key.name === "b") { d = D.wordLeft(d); return render(); }
        if (key.meta && key.name === "f") { d = D.wordRight(d); return render(); }
        switch (key.name) {
          case "return": case "enter": return submit();
          case "backspace": d = D.deleteBackward(d); return render();
          case "delete": d = D.deleteForward(d); return render();
          case "left": d = D.left(d); return render();
          case "right": d = D.right(d); return render();
          case "home": d = D.home(d); return render();
          case "end": d = D.end(d); return render();
          case "up": return historyStep(-1);
          case "down": return historyStep(1);
        }
        if (str && !key.meta && !CONTROL.test(str)) {
          d = D.insert(d, str);
          render();
        }
      };

      const historyStep = (step: number) => {
        const entries = this.history.entries;
        const next = historyIndex + step;
        if (next < 0 || next > entries.length) return output.write("\x07");
        if (historyIndex === entries.length) saved = d.text;
        historyIndex = next;
        d = D.doc(next === entries.length ? saved : entries[next]!);
        render();
      };

      // Input that ends (a client of a shared session left) is end of input, like Ctrl-D.
      const onEnd = () => { if (!done) finish({ kind: "eof" }); };
      if (input.readableEnded || input.destroyed) return finish({ kind: "eof" });
      input.once("end", onEnd);
      input.once("close", onEnd);
      ended = () => { input.off("end", onEnd); input.off("close", onEnd); };

      this.handler = onKey;
      input.resume();
      render();
      // Keys typed ahead are this line's, up to the Enter that ends it; the rest wait for the next.
      while (!done && this.typeahead.length) {
        const [str, key] = this.typeahead.shift()!;
        onKey(str, key);
      }
    });
  }
}

function commonPrefix(values: string[]): string {
  let prefix = values[0] ?? "";
  for (const value of values) while (!value.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
