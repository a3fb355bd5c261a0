/** @jsxImportSource react */
import { afterEach, describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import type { ReactElement } from "react";
import xterm from "@xterm/headless";
import { cleanup, render } from "ink-testing-library";
import { Choice } from "../../engine/console/_choice.tsx";
import { ColumnsView } from "../../engine/console/_columns-view.tsx";
import { Confirm } from "../../engine/console/_confirm.tsx";
import { Input } from "../../engine/console/_input.tsx";
import type { Outcome } from "../../engine/console/_keys.ts";
import { listWindow } from "../../engine/console/_list.tsx";
import { loadWidgets } from "../../engine/console/_load.ts";
import { Pager, type MoreLines } from "../../engine/console/_pager.tsx";
import { progressLine } from "../../engine/console/_progress-line.tsx";
import { SelectNode } from "../../engine/console/_select-node.tsx";
import { Warning } from "../../engine/console/_warning.tsx";
import { Console, NoInput } from "../../engine/console.ts";
import { Node, child } from "../../engine/index.ts";
import { Pty } from "../../engine/pty.ts";
import { render as renderScreen } from "../helpers/screen.ts";

const ENTER = "\r";
const TAB = "\t";
const UP = "\x1b[A";
const DOWN = "\x1b[B";
const RIGHT = "\x1b[C";
const LEFT = "\x1b[D";
const END = "\x1b[F";
const BACKSPACE = "\x7f";
const CTRL_C = "\x03";
const CTRL_D = "\x04";
const CTRL_U = "\x15";

afterEach(cleanup);

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Render a widget with ink-testing-library, collecting what it reports to `onDone`. */
function show<T>(widget: (done: (outcome: Outcome<T>) => void) => ReactElement) {
  const outcomes: Outcome<T>[] = [];
  const ui = render(widget((outcome) => outcomes.push(outcome)));
  const frame = () => ui.lastFrame() ?? "";
  return {
    ...ui,
    outcomes,
    frame,
    /** Type keys one at a time, each once the widget listens and the previous one has been drawn. */
    async press(...keys: string[]) {
      for (const key of keys) {
        while (ui.stdin.listenerCount("readable") === 0) await turn();
        ui.stdin.write(key);
        await turn();
      }
    },
    /** Resolves once the last frame contains `text`. */
    async until(text: string) {
      while (!frame().includes(text)) await turn();
    },
  };
}

describe("Confirm", () => {
  test.each([
    [true, "Deploy? [Y/n]"],
    [false, "Deploy? [y/N]"],
    [undefined, "Deploy? [y/n]"],
  ])("with the default %p, shows %p (what Enter takes in capitals)", (fallback, shown) => {
    const ui = show<boolean>((done) => <Confirm question="Deploy?" default={fallback} onDone={done} />);
    expect(ui.frame()).toBe(`  ${shown}`);
  });

  test("y then Enter answers yes, and the answer replaces the choices", async () => {
    const ui = show<boolean>((done) => <Confirm question="Deploy?" default={false} onDone={done} />);
    await ui.press("y");
    expect(ui.frame()).toContain("[Y/n]");
    expect(ui.outcomes).toEqual([]);
    await ui.press(ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: true }]);
    expect(ui.frame()).toBe("  Deploy? yes");
  });

  test("Enter takes the default", async () => {
    const ui = show<boolean>((done) => <Confirm question="Deploy?" default={false} onDone={done} />);
    await ui.press(ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: false }]);
    expect(ui.frame()).toBe("  Deploy? no");
  });

  test("the arrows move the highlight", async () => {
    const ui = show<boolean>((done) => <Confirm question="Deploy?" default={true} onDone={done} />);
    await ui.press(RIGHT);
    expect(ui.frame()).toContain("[y/N]");
    await ui.press(LEFT, RIGHT, ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: false }]);
  });

  test("without a default, Enter waits until y or n is typed", async () => {
    const ui = show<boolean>((done) => <Confirm question="Deploy?" onDone={done} />);
    await ui.press(ENTER, "x", ENTER);
    expect(ui.outcomes).toEqual([]);
    await ui.press("n", ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: false }]);
  });

  test("Ctrl-C interrupts", async () => {
    const ui = show<boolean>((done) => <Confirm question="Deploy?" default={true} onDone={done} />);
    await ui.press(CTRL_C, "y", ENTER);
    expect(ui.outcomes).toEqual([{ kind: "interrupted" }]);
  });

  test("Ctrl-D takes the default, and ends the input when there is none", async () => {
    const withDefault = show<boolean>((done) => <Confirm question="A?" default={true} onDone={done} />);
    await withDefault.press(CTRL_D);
    expect(withDefault.outcomes).toEqual([{ kind: "answer", value: true }]);
    const without = show<boolean>((done) => <Confirm question="B?" onDone={done} />);
    await without.press(CTRL_D);
    expect(without.outcomes).toEqual([{ kind: "end-of-input" }]);
  });
});

describe("Choice", () => {
  const sizes = ["small", "medium", "large"];

  test("lists the options numbered, with the pointer on the default", () => {
    const ui = show<number | "random">((done) => <Choice question="Size" labels={sizes} defaultIndex={1} height={24} onDone={done} />);
    expect(ui.frame().split("\n")).toEqual([
      "  Size",
      "    1 small",
      "  ❯ 2 medium",
      "    3 large",
      "    ↑/↓ move, a number jumps, Enter picks",
    ]);
  });

  test("Enter picks the option under the pointer, which then shows as the answer", async () => {
    const ui = show<number | "random">((done) => <Choice question="Size" labels={sizes} onDone={done} height={24} />);
    await ui.press(DOWN, DOWN, ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: 2 }]);
    expect(ui.frame()).toBe("  Size: large");
  });

  test.each([
    ["↑ from the first option wraps to the last", [UP], 2],
    ["k and j move like ↑ and ↓", ["j", "j", "k"], 1],
    ["↓ from the last option wraps to the first", [DOWN, DOWN, DOWN], 0],
    ["a digit jumps to that option", ["3"], 2],
    ["a digit past the end is ignored", ["2", "9"], 1],
  ])("%s", async (_name, keys, picked) => {
    const ui = show<number | "random">((done) => <Choice question="Size" labels={sizes} onDone={done} height={24} />);
    await ui.press(...keys, ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: picked }]);
  });

  test("two digits reach options past nine", async () => {
    const labels = Array.from({ length: 12 }, (_, i) => `host${i + 1}`);
    const ui = show<number | "random">((done) => <Choice question="Host" labels={labels} onDone={done} height={40} />);
    await ui.press("1", "2");
    expect(ui.frame()).toContain("❯ 12 host12");
    await ui.press(ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: 11 }]);
  });

  test("with allowRandom, offers random first and preselected", async () => {
    const ui = show<number | "random">((done) => <Choice question="Size" labels={sizes} allowRandom onDone={done} height={24} />);
    expect(ui.frame().split("\n")[1]).toBe("  ❯   random");
    await ui.press(ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: "random" }]);
    expect(ui.frame()).toBe("  Size: random");
  });

  test("a long list scrolls to keep the pointer in view and says how many options are hidden", async () => {
    const labels = Array.from({ length: 30 }, (_, i) => `option ${i + 1}`);
    const ui = show<number | "random">((done) => <Choice question="Pick" labels={labels} onDone={done} height={10} />);
    expect(ui.frame()).toContain("↓ 24 more");
    expect(ui.frame().split("\n").length).toBeLessThanOrEqual(10);
    await ui.press(END);
    expect(ui.frame()).toContain("↑ 24 more");
    expect(ui.frame()).toContain("❯ 30 option 30");
    expect(ui.frame()).not.toContain("more\n    ↓");
  });

  test("Ctrl-C interrupts, and Ctrl-D takes the default", async () => {
    const interrupted = show<number | "random">((done) => <Choice question="Size" labels={sizes} onDone={done} height={24} />);
    await interrupted.press(CTRL_C);
    expect(interrupted.outcomes).toEqual([{ kind: "interrupted" }]);
    const ended = show<number | "random">((done) => <Choice question="Size" labels={sizes} defaultIndex={2} onDone={done} height={24} />);
    await ended.press(DOWN, CTRL_D);
    expect(ended.outcomes).toEqual([{ kind: "answer", value: 2 }]);
  });
});

describe("listWindow", () => {
  test.each([
    ["shows everything that fits", 5, 4, 10, { start: 0, end: 5 }],
    ["keeps the pointer in the middle of a long list", 100, 50, 10, { start: 46, end: 54 }],
    ["stops at the top", 100, 1, 10, { start: 0, end: 8 }],
    ["stops at the bottom", 100, 99, 10, { start: 92, end: 100 }],
  ])("%s", (_name, count, cursor, height, expected) => {
    expect(listWindow(count, cursor, height)).toEqual(expected);
  });
});

describe("Input", () => {
  test("shows the default until something is typed", async () => {
    const ui = show<string>((done) => <Input label="Branch" default="main" width={80} onDone={done} />);
    expect(ui.frame()).toBe("  Branch:  main");
    await ui.press("d", "e", "v");
    expect(ui.frame()).toBe("  Branch: dev");
  });

  test("Enter on an empty line takes the default", async () => {
    const ui = show<string>((done) => <Input label="Branch" default="main" width={80} onDone={done} />);
    await ui.press(ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: "main" }]);
    expect(ui.frame()).toBe("  Branch: main");
  });

  test("without a default, Enter on an empty line waits", async () => {
    const ui = show<string>((done) => <Input label="Name" width={80} onDone={done} />);
    await ui.press(ENTER);
    expect(ui.outcomes).toEqual([]);
    await ui.press("x", ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: "x" }]);
  });

  test("Backspace removes the last character and Ctrl-U the whole line", async () => {
    const ui = show<string>((done) => <Input label="Q" width={80} onDone={done} />);
    await ui.press("w", "r", "o", "n", "g", CTRL_U, "a", "b", "x", BACKSPACE, "c", ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: "abc" }]);
  });

  test("pasted text arrives whole", async () => {
    const ui = show<string>((done) => <Input label="Q" width={80} onDone={done} />);
    await ui.press("Zoë ✓", ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: "Zoë ✓" }]);
  });

  test("Tab completes from the answers", async () => {
    const ui = show<string>((done) => <Input label="Where" answers={["production", "staging"]} width={80} onDone={done} />);
    expect(ui.frame()).toContain("Where [production,staging]:");
    await ui.press("p", "r", TAB);
    expect(ui.frame()).toContain("production");
    await ui.press(ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: "production" }]);
  });

  test("Tab lists the answers in columns when several fit what is typed", async () => {
    const ui = show<string>((done) => <Input label="Stage" answers={["stage1", "stage2", "prod"]} width={80} onDone={done} />);
    await ui.press("s", TAB);
    expect(ui.frame()).toContain("stage");
    await ui.press(TAB);
    expect(ui.frame().split("\n").at(-1)).toBe("    stage1 stage2");
    await ui.press("2", ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: "stage2" }]);
  });

  test("an answer that is not one of the answers is refused with a warning", async () => {
    const ui = show<string>((done) => <Input label="Where" answers={["production", "staging"]} width={80} onDone={done} />);
    await ui.press("d", "e", "v", ENTER);
    expect(ui.outcomes).toEqual([]);
    expect(ui.frame()).toContain("*** WARNING: Invalid answer. ***");
    await ui.press("s", TAB, ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: "staging" }]);
  });

  test("a password shows only stars while typed and *** once answered, never the text", async () => {
    const ui = show<string>((done) => <Input label="Password" mask default="hunter2" width={80} onDone={done} />);
    expect(ui.frame()).toBe("  Password (default=***):");
    await ui.press("s", "3", "c");
    expect(ui.frame()).toBe("  Password (default=***): ***");
    await ui.press("r", "e", "t", ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: "s3cret" }]);
    expect(ui.frame()).toBe("  Password: ***");
    expect(ui.frames.join("\n")).not.toMatch(/s3cret|hunter2|s3c/);
  });

  test("Ctrl-C interrupts; Ctrl-D on an empty line takes the default or ends the input", async () => {
    const interrupted = show<string>((done) => <Input label="Q" default="d" width={80} onDone={done} />);
    await interrupted.press("a", CTRL_C);
    expect(interrupted.outcomes).toEqual([{ kind: "interrupted" }]);
    const withDefault = show<string>((done) => <Input label="Q" default="d" width={80} onDone={done} />);
    await withDefault.press(CTRL_D);
    expect(withDefault.outcomes).toEqual([{ kind: "answer", value: "d" }]);
    const without = show<string>((done) => <Input label="Q" width={80} onDone={done} />);
    await without.press("a", CTRL_D);
    expect(without.outcomes).toEqual([]);
    await without.press(CTRL_U, CTRL_D);
    expect(without.outcomes).toEqual([{ kind: "end-of-input" }]);
  });
});

describe("Pager", () => {
  /** Lines 1…count: the first three as the first page, the rest on demand; `pulled` counts what was taken. */
  function source(count: number) {
    const lines = Array.from({ length: count }, (_, i) => `line ${i + 1}`);
    const state = { pulled: 3 };
    const more: MoreLines = async (n) => {
      const taken = lines.slice(state.pulled, state.pulled + n);
      state.pulled += taken.length;
      return { lines: taken, done: state.pulled >= lines.length };
    };
    return { first: lines.slice(0, 3), more, state, pulled: () => state.pulled };
  }

  test("shows the first page with a prompt; space shows the next page and Enter one more line", async () => {
    const { first, more, pulled } = source(10);
    const ui = show<void>((done) => <Pager first={first} more={async (n) => more(n)} pageSize={3} onDone={done} />);
    await ui.until("-- More --");
    expect(ui.frame().split("\n")).toEqual(["line 1", "line 2", "line 3", " -- More --  space: next page, Enter: next line, q: quit"]);
    await ui.press(" ");
    await ui.until("line 6");
    await ui.press(ENTER);
    await ui.until("line 7");
    expect(pulled()).toBe(7);
    expect(ui.frame()).toContain("-- More --");
    expect(ui.frame()).not.toContain("line 8");
  });

  test("q quits, leaving what was shown and no prompt", async () => {
    const { first, more } = source(10);
    const ui = show<void>((done) => <Pager first={first} more={more} pageSize={3} onDone={done} />);
    await ui.press("q");
    expect(ui.outcomes).toEqual([{ kind: "interrupted" }]);
    expect(ui.frame().split("\n")).toEqual(["line 1", "line 2", "line 3"]);
  });

  test("Ctrl-C quits like q", async () => {
    const { first, more } = source(10);
    const ui = show<void>((done) => <Pager first={first} more={more} pageSize={3} onDone={done} />);
    await ui.press(CTRL_C, " ");
    expect(ui.outcomes).toEqual([{ kind: "interrupted" }]);
    expect(ui.frame()).not.toContain("line 4");
  });

  test("ends by itself when the lines run out", async () => {
    const { first, more } = source(5);
    const ui = show<void>((done) => <Pager first={first} more={more} pageSize={3} onDone={done} />);
    await ui.press(" ");
    await ui.until("line 5");
    expect(ui.outcomes).toEqual([{ kind: "answer", value: undefined }]);
    expect(ui.frame()).not.toContain("More");
  });

  test("keys typed while lines are being fetched are not lost", async () => {
    const { first, more } = source(20);
    let release = () => {};
    const slow: MoreLines = (n) => new Promise((resolve) => (release = () => resolve(more(n))));
    const ui = show<void>((done) => <Pager first={first} more={slow} pageSize={3} onDone={done} />);
    await ui.press(" ", "q");
    expect(ui.outcomes).toEqual([]);
    release();
    await ui.until("line 6");
    while (ui.outcomes.length === 0) await turn();
    expect(ui.outcomes).toEqual([{ kind: "interrupted" }]);
  });

  test("when the input ends, the prompt goes away", () => {
    const { first, more } = source(10);
    const ui = show<void>((done) => <Pager first={first} more={more} pageSize={3} onDone={done} />);
    ui.rerender(<Pager first={first} more={more} pageSize={3} inputEnded onDone={() => {}} />);
    expect(ui.frame().split("\n")).toEqual(["line 1", "line 2", "line 3"]);
  });

  test("blank lines and tabs keep their room", async () => {
    const ui = show<void>((done) => <Pager first={["a\tb", "", "c"]} more={async () => ({ lines: [], done: true })} pageSize={3} onDone={done} />);
    expect(ui.frame().split("\n").slice(0, 3)).toEqual(["a       b", "", "c"]);
  });
});

describe("progressLine", () => {
  const state = { message: "Copying", counter: 5, expected: 10, percentage: "50%", duration: "0:00:07", status: "Uploading", done: false };

  test("shows the message, counter, percentage, duration and status", () => {
    expect(progressLine(state, undefined, 80)).toBe("Copying:  5/10 [50% completed]  [0:00:07]  [Uploading]");
  });

  test("without an expected count, shows the counter alone", () => {
    expect(progressLine({ ...state, expected: undefined, status: "" }, undefined, 80)).toBe("Copying:  5  [0:00:07]");
  });

  test("is cut to the terminal's width, so it stays one line", () => {
    const line = progressLine(state, undefined, 20);
    expect([...line].length).toBe(20);
    expect(line).toStartWith("Copying:  5/10");
  });

  test("uses a custom format as it is", () => {
    expect(progressLine(state, (s) => `${s.message} ${s.percentage}`, 80)).toBe("Copying 50%");
  });
});

describe("Warning and ColumnsView", () => {
  test("a warning reads *** WARNING: text ***", () => {
    expect(render(<Warning text="disk almost full" />).lastFrame()).toBe("*** WARNING: disk almost full ***");
  });

  test("columns are the lines of inColumns", () => {
    const frame = render(<ColumnsView items={["a", "bb", "ccc", "dd", "e", "ffff"]} width={20} marginLeft={1} />).lastFrame();
    expect(frame).toBe(" a    bb   ccc\n dd   e    ffff");
  });
});

describe("SelectNode", () => {
  const names = ["Root", "Root.app", "Root.app.git", "Root.db", "Root.app.workers"];

  test("lists every node by its full name, the first highlighted", () => {
    const ui = show<number>((done) => <SelectNode prompt="Select a node" names={names} height={24} onDone={done} />);
    expect(ui.frame().split("\n").slice(0, 3)).toEqual(["  Select a node:", "  ❯ Root", "    Root.app"]);
  });

  test("typing filters by any part of the name, ignoring case; Enter picks", async () => {
    const ui = show<number>((done) => <SelectNode prompt="Node" names={names} height={24} onDone={done} />);
    await ui.press("G", "i", "T");
    expect(ui.frame()).toContain("❯ Root.app.git");
    expect(ui.frame()).not.toContain("Root.db");
    await ui.press(ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: 2 }]);
    expect(ui.frame()).toBe("  Node: Root.app.git");
  });

  test("↑ and ↓ move through the matches", async () => {
    const ui = show<number>((done) => <SelectNode prompt="Node" names={names} height={24} onDone={done} />);
    await ui.press("a", "p", "p", DOWN, DOWN, ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: 4 }]);
  });

  test("Tab completes the typed text as far as the names agree", async () => {
    const ui = show<number>((done) => <SelectNode prompt="Node" names={names} height={24} onDone={done} />);
    await ui.press("R", "o", "o", "t", ".", "a", TAB);
    expect(ui.frame().split("\n")[0]).toBe("  Node: Root.app");
    await ui.press(BACKSPACE, BACKSPACE, BACKSPACE, "d", TAB, ENTER);
    expect(ui.outcomes).toEqual([{ kind: "answer", value: 3 }]);
  });

  test("says when no node matches, and Enter then does nothing", async () => {
    const ui = show<number>((done) => <SelectNode prompt="Node" names={names} height={24} onDone={done} />);
    await ui.press("z", ENTER);
    expect(ui.frame()).toContain("(no node matches)");
    expect(ui.outcomes).toEqual([]);
  });

  test("Ctrl-C interrupts", async () => {
    const ui = show<number>((done) => <SelectNode prompt="Node" names={names} height={24} onDone={done} />);
    await ui.press(CTRL_C);
    expect(ui.outcomes).toEqual([{ kind: "interrupted" }]);
  });
});

// The Console on an interactive terminal: the same widgets, mounted on a Pty.

/** An output that says it is a terminal of the given size, recording what is written. */
function terminal(rows = 24, columns = 80) {
  const chunks: string[] = [];
  return { isTTY: true, rows, columns, write: (d: string | Uint8Array) => chunks.push(String(d)), text: () => chunks.join("") };
}

/** Input that says it is a terminal and records raw-mode switches. */
function keyboard(typed = "", raw = false) {
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: raw,
    switches: [] as boolean[],
    setRawMode(on: boolean) {
      stdin.isRaw = on;
      stdin.switches.push(on);
      return stdin;
    },
  });
  stdin.write(typed);
  return stdin;
}

function onTerminal(typed: string, options: { rows?: number; raw?: boolean } = {}) {
  const stdin = keyboard(typed, options.raw);
  const stdout = terminal(options.rows ?? 24, 80);
  const pty = new Pty(stdin, stdout, { interactive: true });
  return { console: new Console(pty), pty, stdin, stdout, screen: () => screen(stdout.text(), options.rows ?? 24) };
}

/** What a terminal shows (scrollback included) after replaying `output`; trailing blank lines dropped. */
const screen = renderScreen;

class Git extends Node {}
class App extends Node {
  git = child(Git);
}
class Root extends Node {
  app = child(App);
  db = child(class Db extends Node {});
}

describe("Console widgets on an interactive terminal", () => {
  test("answer questions with keys, leaving each answer on the screen and later keys for later questions", async () => {
    const { console, screen } = onTerminal(`y${ENTER}${DOWN}${ENTER}dev${ENTER}`);
    expect(await console.confirm("Deploy?")).toBe(true);
    expect(await console.choice("Size", [["small", 1], ["large", 2]] as const)).toBe(2);
    expect(await console.input("Branch", { default: "main" })).toBe("dev");
    expect(await screen()).toEqual(["  Deploy? yes", "  Size: large", "  Branch: dev"]);
  });

  test("switch raw mode on while reading keys, then back off", async () => {
    const { console, stdin } = onTerminal(`y${ENTER}`);
    await console.confirm("Deploy?");
    expect(stdin.switches).toEqual([true, false]);
    expect(stdin.isRaw).toBe(false);
  });

  test("leave raw mode on when it was on before", async () => {
    const { console, stdin } = onTerminal(`y${ENTER}`, { raw: true });
    await console.confirm("Deploy?");
    expect(stdin.switches).toEqual([]);
    expect(stdin.isRaw).toBe(true);
  });

  test.each([
    ["confirm", (c: Console) => c.confirm("Deploy?", { default: true })],
    ["choice", (c: Console) => c.choice("Size", ["s", "m"], { default: "m" })],
    ["input", (c: Console) => c.input("Branch", { default: "main" })],
    ["password", (c: Console) => c.password("Password")],
    ["selectNode", (c: Console) => c.selectNode(new Root())],
  ])("Ctrl-C in %s throws NoInput, interrupted", async (_name, ask) => {
    const { console } = onTerminal(CTRL_C);
    const error = await ask(console).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoInput);
    expect((error as NoInput).reason).toBe("interrupted");
  });

  test("when the input ends, a question takes its default or throws NoInput", async () => {
    const { console, stdin } = onTerminal("");
    stdin.end();
    expect(await console.confirm("Deploy?", { default: false })).toBe(false);
    expect(await console.choice("Size", ["s", "m"], { default: "m" })).toBe("m");
    const error = await console.input("Branch").catch((e: unknown) => e);
    expect((error as NoInput).reason).toBe("end-of-input");
  });

  test("a password never reaches the terminal", async () => {
    const { console, stdout } = onTerminal(`s3cret${ENTER}`);
    expect(await console.password("Password")).toBe("s3cret");
    expect(stdout.text()).not.toContain("s3cret");
    expect(await screen(stdout.text())).toEqual(["  Password: ***"]);
  });

  test("questions asked at the same time are asked one after the other", async () => {
    const { console, screen } = onTerminal(`y${ENTER}n${ENTER}`);
    const answers = await Promise.all([console.confirm("First?"), console.confirm("Second?")]);
    expect(answers).toEqual([true, false]);
    expect(await screen()).toEqual(["  First? yes", "  Second? no"]);
  });

  test("selectNode picks a node of the tree by typing part of its name", async () => {
    const root = new Root();
    const { console, screen } = onTerminal(`git${ENTER}`);
    const picked = await console.selectNode(root, { prompt: "Which node" });
    expect(picked).toBe(root.app.git);
    expect(await screen()).toEqual(["  Which node: Root.app.git"]);
  });

  test("the pager shows a page, then a line per Enter, and q leaves the lines shown", async () => {
    const { console, screen } = onTerminal(`${ENTER}q`, { rows: 4 });
    await console.lesspipe(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
    expect(await screen()).toEqual(["line 1", "line 2", "line 3", "line 4"]);
  });

  test("the pager passes on an error of the lines it shows, after quitting", async () => {
    async function* failing() {
      for (let i = 1; i <= 5; i++) yield `line ${i}`;
      throw new Error("source broke");
    }
    const { console } = onTerminal(" ", { rows: 4 });
    await expect(console.lesspipe(failing())).rejects.toThrow("source broke");
  });

  test("a progress bar is the Ink line, redrawn in place and cut to the terminal's width", async () => {
    await loadWidgets();
    const stdout = terminal(24, 30);
    const console = new Console(new Pty(keyboard(), stdout, { interactive: true }));
    const bar = console.progressBarWithSteps("Deploying the application", { 1: "Pulling", 2: "Building" }, { now: () => 0 });
    bar.setProgress(1);
    bar.finish();
    expect(stdout.text().split("\r\x1b[K").length - 1).toBe(3);
    expect(await screen(stdout.text(), 24, 30)).toEqual(["Deploying the application:  1…"]);
  });

  test("when not interactive, a terminal gets no widget: defaults are taken and the input is left alone", async () => {
    const stdin = keyboard(`n${ENTER}`);
    const stdout = terminal();
    const console = new Console(new Pty(stdin, stdout, { interactive: false }));
    expect(await console.confirm("Deploy?", { default: true })).toBe(true);
    expect(await console.selectNode(new Root())).toBeInstanceOf(Root);
    expect(await screen(stdout.text())).toEqual([
      `  Deploy? [y/n] (default=y): [non interactive] "y"`,
      "  Select a node: [non interactive] Root",
    ]);
    expect(stdin.switches).toEqual([]);
    expect(stdin.read()?.toString()).toBe(`n${ENTER}`);
  });
});
