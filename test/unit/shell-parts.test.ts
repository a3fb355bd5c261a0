import { describe, expect, test } from "bun:test";
import * as D from "../../shell/_document.ts";
import { quoteWord, splitWords } from "../../shell/_words.ts";
import { closest } from "../../shell/_nav.ts";
import { Shell } from "../../shell/index.ts";
import { PassThrough } from "node:stream";
import { DummyPty, Env, LocalHost, Node, ParallelNode, Pty, arrayOf, child } from "../../engine/index.ts";

/** A document written with | marking the cursor. */
const at = (marked: string) => D.doc(marked.replace("|", ""), marked.indexOf("|"));
const show = (d: D.Document) => `${D.before(d)}|${D.after(d)}`;

describe("editing the line", () => {
  test.each([
    ["insert", (d: D.Document) => D.insert(d, "X"), "ab|cd", "abX|cd"],
    ["backspace", D.deleteBackward, "ab|cd", "a|cd"],
    ["backspace at the start", D.deleteBackward, "|abcd", "|abcd"],
    ["delete", D.deleteForward, "ab|cd", "ab|d"],
    ["Ctrl-A", D.home, "ab|cd", "|abcd"],
    ["Ctrl-E", D.end, "ab|cd", "abcd|"],
    ["Ctrl-K", D.killToEnd, "ab|cd", "ab|"],
    ["Ctrl-U", D.killToStart, "ab|cd", "|cd"],
    ["Ctrl-W", D.killWordBackward, "cd web |deploy", "cd |deploy"],
    ["Ctrl-W inside a word", D.killWordBackward, "cd we|b", "cd |b"],
    ["Alt-B", D.wordLeft, "cd web de|ploy", "cd web |deploy"],
    ["Alt-F", D.wordRight, "cd| web deploy", "cd web| deploy"],
    ["left at the start", D.left, "|ab", "|ab"],
    ["right at the end", D.right, "ab|", "ab|"],
  ] as const)("%s", (_name, edit, before, after) => {
    expect(show(edit(at(before)))).toBe(after);
  });

  test("a completion replaces the word before the cursor and keeps what follows", () => {
    expect(show(D.replaceBeforeCursor(at("cd pro| x"), 3, "production "))).toBe("cd production | x");
  });
});

describe("splitting words", () => {
  test.each([
    ["cd web", ["cd", "web"]],
    ["  greet   'Ada Lovelace'  ", ["greet", "Ada Lovelace"]],
    [`echo "a \\"q\\" b" c\\ d`, ["echo", `a "q" b`, "c d"]],
    [`say it's`, ["say", "its"]],
    [`x ""`, ["x", ""]],
  ])("%j", (line, words) => {
    expect(splitWords(line).words.map((w) => w.value)).toEqual(words);
  });

  test("an unterminated quote is reported", () => {
    expect(splitWords(`greet "Ada`).openQuote).toBe('"');
  });

  test("for completion, a trailing space starts an empty word at the end", () => {
    expect(splitWords("cd ", { trailingEmpty: true }).words.map((w) => [w.value, w.start])).toEqual([["cd", 0], ["", 3]]);
    expect(splitWords("", { trailingEmpty: true }).words).toHaveLength(1);
    expect(splitWords("cd we", { trailingEmpty: true }).words.at(-1)).toEqual({ value: "we", start: 3, end: 5 });
  });

  test("completions that need it are quoted", () => {
    expect(quoteWord("web1")).toBe("web1");
    expect(quoteWord("b.c.d")).toBe("b.c.d");
    expect(quoteWord("has space")).toBe("'has space'");
  });
});

describe("completion", () => {
  class L1 extends LocalHost { slug = "l1"; }
  class L2 extends LocalHost { slug = "l2"; }
  class Web extends ParallelNode { async whoami() {} }
  class App extends Node {
    async deploy() {}
    async describe() {}
    async _secret() {}
  }
  class Root extends Node {
    Hosts = { host: [L1, L2] };
    app = child(App);
    apps = child(App);
    web = child(arrayOf(Web));
    _private = child(App);
  }
  const shell = () => new Shell({
    root: new Env(new Root(), { pty: new DummyPty() }),
    pty: new Pty(new PassThrough(), new PassThrough(), { interactive: true }),
    color: false,
    version: "test",
  });
  const complete = (s: Shell, line: string) => s.complete(D.doc(line)).candidates.map((c) => c.text);

  test.each([
    ["", ["app", "apps", "web"]],
    ["ap", ["app", "apps"]],
    ["app ", ["..", "deploy", "describe"]],
    ["app de", ["deploy", "describe"]],
    ["app _", ["_secret"]],
    ["_", ["_private"]],
    ["web :", [":l1", ":l2"]],
    ["cd a", ["app", "apps"]],
    ["cd app ..", [".."]],
    ["app deploy ", []],
    ["set-option ", ["keep-panes-open", "parallel-panes"]],
    ["set-option keep-panes-open o", ["on", "off"]],
    ["--inspect app d", ["deploy", "describe"]],
  ])("%j completes to %j", (line, expected) => {
    const got = complete(shell(), line).filter((c) => ![".", "/", "-"].includes(c) && !["cd", "clear", "exit", "find", "help", "ls", "pwd", "return", "sandbox", "set-option", "show-options"].includes(c) && !c.startsWith("--"));
    expect(got).toEqual(expected);
  });

  test("built-in commands complete at the start of the line", () => {
    expect(complete(shell(), "--ins")).toEqual(["--inspect"]);
    expect(complete(shell(), "s")).toEqual(["sandbox", "set-option", "show-options"]);
  });

  test("the completion starts where the word does", () => {
    expect(shell().complete(D.doc("cd ap")).start).toBe(3);
  });
});

test("did-you-mean finds the closest names", () => {
  expect(closest("prodution", ["production", "staging", "cd"])).toEqual(["production"]);
  expect(closest("zzzzzz", ["production", "staging"])).toEqual([]);
});

describe("asynchronous completion", () => {
  test("a completion that takes too long rings the bell and never blocks typing", async () => {
    const { LineEditor } = await import("../../shell/_editor.ts");
    const { History } = await import("../../shell/_history.ts");
    const input = new PassThrough() as PassThrough & { isTTY: boolean };
    const output = new PassThrough();
    let written = "";
    output.on("data", (chunk) => (written += chunk.toString()));
    const editor = new LineEditor({ input, output, width: () => 80 }, new History(), () => new Promise(() => {}), (items) => items);
    const line = editor.read("> ");
    input.write("cd slow\t");
    input.write("ly\r");
    expect(await line).toEqual({ kind: "line", text: "cd slowly" });
  });

  test("a late answer for a line that changed meanwhile is dropped", async () => {
    const { LineEditor } = await import("../../shell/_editor.ts");
    const { History } = await import("../../shell/_history.ts");
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    let answer!: (c: { start: number; candidates: Array<{ text: string; display: string }> }) => void;
    const editor = new LineEditor({ input, output, width: () => 80 }, new History(), () => new Promise((resolve) => (answer = resolve)), (items) => items);
    const line = editor.read("> ");
    input.write("cd a\t");
    await new Promise((resolve) => setTimeout(resolve, 10));
    input.write("bc");
    await new Promise((resolve) => setTimeout(resolve, 10));
    answer({ start: 3, candidates: [{ text: "apple", display: "apple" }] });
    await new Promise((resolve) => setTimeout(resolve, 10));
    input.write("\r");
    expect(await line).toEqual({ kind: "line", text: "cd abc" });
  });
});
