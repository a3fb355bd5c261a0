import { describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import xterm from "@xterm/headless";
import { Console, NoInput, ProgressBar } from "../../engine/console.ts";
import { DummyPty, Pty } from "../../engine/pty.ts";
import { render as renderScreen } from "../helpers/screen.ts";

/** A console over scripted input; `output()` is what it printed. */
function scripted(input = "", options: { interactive?: boolean } = {}) {
  const pty = new DummyPty(input, options);
  return { console: new Console(pty), pty, output: () => pty.getOutput() };
}

/** An output that says it is a terminal of the given size, recording what is written. */
function terminal(rows = 24, columns = 80) {
  const chunks: string[] = [];
  return { isTTY: true, rows, columns, write: (d: string | Uint8Array) => chunks.push(String(d)), text: () => chunks.join("") };
}

/** An interactive Pty whose input comes from a stream (already holding `typed`). */
function streamed(typed: string, stdout = terminal()) {
  const stdin = new PassThrough();
  stdin.write(typed);
  const pty = new Pty(stdin, stdout, { interactive: true });
  return { console: new Console(pty), stdin, stdout };
}

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

/** What a terminal of that size shows (scrollback included) after replaying `output`; trailing blanks dropped. */
const screen = renderScreen;

describe("Console.input when not interactive", () => {
  test("takes the default without waiting and says so", async () => {
    const { console, output } = scripted();
    expect(await console.input("Branch", { default: "main" })).toBe("main");
    expect(output()).toBe(`  Branch (default=main): [non interactive] "main"\n`);
  });

  test("throws NoInput naming the question when there is no default", async () => {
    const { console } = scripted();
    const error = await console.input("Release tag").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoInput);
    expect((error as NoInput).message).toContain(`"Release tag"`);
    expect((error as NoInput).reason).toBe("non-interactive");
    expect((error as NoInput).code).toBe("NO_INPUT");
  });

  test("never reads the real input, even when some is waiting", async () => {
    const stdin = new PassThrough();
    stdin.write("typed ahead\n");
    const console = new Console(new Pty(stdin, terminal(), { interactive: false }));
    expect(await console.input("Branch", { default: "main" })).toBe("main");
    await expect(console.input("Tag")).rejects.toThrow(NoInput);
    expect(stdin.read()?.toString()).toBe("typed ahead\n");
  });
});

describe("Console.input with scripted answers", () => {
  test("reads one line per question, echoing the answer", async () => {
    const { console, output } = scripted("alice\nbob\n");
    expect(await console.input("First")).toBe("alice");
    expect(await console.input("Second")).toBe("bob");
    expect(output()).toBe("  First: alice\n  Second: bob\n");
  });

  test("when the script runs out, takes the default or throws NoInput", async () => {
    const { console } = scripted("only\n");
    expect(await console.input("One")).toBe("only");
    expect(await console.input("Two", { default: "two" })).toBe("two");
    await expect(console.input("Three")).rejects.toThrow(NoInput);
  });

  test("an empty answer takes the default", async () => {
    const { console } = scripted("\n");
    expect(await console.input("Branch", { default: "main" })).toBe("main");
  });

  test("an empty answer without a default asks again", async () => {
    const { console } = scripted("\n\nfinally\n");
    expect(await console.input("Name")).toBe("finally");
  });

  test.each([
    ["Backspace", "abx\x7fc\n", "abc"],
    ["Ctrl-H as Backspace", "abx\bc\n", "abc"],
    ["Ctrl-U clears the line", "wrong\x15right\n", "right"],
    ["arrow keys are ignored", "a\x1b[Db\n", "ab"],
    ["CRLF line ends", "abc\r\n", "abc"],
    ["a last line without a newline", "abc", "abc"],
    ["non-ASCII text", "Zoë ✓\n", "Zoë ✓"],
  ])("line editing: %s", async (_name, typed, expected) => {
    const { console } = scripted(typed);
    expect(await console.input("Q")).toBe(expected);
  });

  test("CRLF counts as one line end, so the next answer is not empty", async () => {
    const { console } = scripted("a\r\nb\r\n");
    expect([await console.input("1"), await console.input("2")]).toEqual(["a", "b"]);
  });

  test("Ctrl-C throws NoInput", async () => {
    const { console } = scripted("ab\x03");
    const error = await console.input("Q", { default: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoInput);
    expect((error as NoInput).reason).toBe("interrupted");
  });

  test("answers are shown, and any other answer is asked again", async () => {
    const { console, output } = scripted("dev\nstaging\n");
    expect(await console.input("Where", { answers: ["production", "staging"] })).toBe("staging");
    expect(output()).toContain("  Where [production,staging]: dev\nInvalid answer.\n");
  });

  test("Tab completes from the answers", async () => {
    const { console } = scripted("pro\t\n");
    expect(await console.input("Where", { answers: ["production", "staging"] })).toBe("production");
  });

  test("Tab completes the common part of several answers", async () => {
    const { console } = scripted("s\t1\n");
    expect(await console.input("Where", { answers: ["stage1", "stage2"] })).toBe("stage1");
  });

  test("a password is returned but never echoed, and its default is never printed", async () => {
    const { console, output } = scripted("s3cret\n");
    expect(await console.input("Password", { isPassword: true, default: "hunter2" })).toBe("s3cret");
    expect(await console.password("Again").catch(() => "none")).toBe("none");
    expect(output()).not.toContain("s3cret");
    expect(output()).not.toContain("hunter2");
    expect(output()).toContain("(default=***)");
  });

  test("a password default taken non-interactively is not printed either", async () => {
    const { console, output } = scripted();
    expect(await console.input("Password", { isPassword: true, default: "hunter2" })).toBe("hunter2");
    expect(output()).not.toContain("hunter2");
  });
});

describe("Console.input on an interactive terminal", () => {
  test("reads answers from the input stream and keeps type-ahead for the next question", async () => {
    const { console } = streamed("first\nsecond\n");
    expect(await console.input("A")).toBe("first");
    expect(await console.input("B")).toBe("second");
  });

  test("is an Ink widget that leaves the question and its answer on the screen", async () => {
    const { console, stdout } = streamed("x\r");
    await console.input("A");
    expect(await screen(stdout.text())).toEqual(["  A: x"]);
  });

  test("when the input ends, takes the default or throws NoInput", async () => {
    const { console, stdin } = streamed("");
    stdin.end();
    expect(await console.input("A", { default: "d" })).toBe("d");
    const error = await console.input("B").catch((e: unknown) => e);
    expect((error as NoInput).reason).toBe("end-of-input");
  });
});

describe("Console.confirm", () => {
  test.each([
    ["y", true], ["yes", true], ["Y", true], ["Yes", true],
    ["n", false], ["no", false], ["NO", false],
  ])("answering %p gives %p", async (answer, expected) => {
    expect(await scripted(`${answer}\n`).console.confirm("Deploy?")).toBe(expected);
  });

  test("asks again until the answer is yes or no", async () => {
    const { console, output } = scripted("maybe\ny\n");
    expect(await console.confirm("Deploy?")).toBe(true);
    expect(output()).toContain("Please answer y or n.");
  });

  test.each([[true], [false]])("when not interactive, takes the default %p", async (fallback) => {
    const { console, output } = scripted();
    expect(await console.confirm("Deploy?", { default: fallback })).toBe(fallback);
    expect(output()).toContain(`Deploy? [y/n] (default=${fallback ? "y" : "n"})`);
  });

  test("when not interactive and without a default, throws NoInput naming the question", async () => {
    await expect(scripted().console.confirm("Drop the database?")).rejects.toThrow(/Drop the database\? \[y\/n\]/);
  });
});

describe("Console.choice", () => {
  const sizes: [string, number][] = [["small", 1], ["medium", 2], ["large", 3]];

  test("lists the options in the given order, numbered", async () => {
    const { console, output } = scripted("2\n");
    expect(await console.choice("Size", sizes)).toBe(2);
    expect(output()).toContain("  Size\n         1 small\n         2 medium\n         3 large\n");
  });

  test("an option may be picked by its label", async () => {
    expect(await scripted("large\n").console.choice("Size", sizes)).toBe(3);
  });

  test("string options are their own values", async () => {
    const picked: string = await scripted("2\n").console.choice("Env", ["dev", "prod"]);
    expect(picked).toBe("prod");
  });

  test("the default is the value taken on an empty answer and when not interactive", async () => {
    expect(await scripted("\n").console.choice("Size", sizes, { default: 3 })).toBe(3);
    const { console, output } = scripted();
    expect(await console.choice("Size", sizes, { default: 2 })).toBe(2);
    expect(output()).toContain("(default=2)");
  });

  test("an invalid answer warns and asks again, and the default still works on the second round", async () => {
    const { console, output } = scripted("7\n\n");
    expect(await console.choice("Size", sizes, { default: 1 })).toBe(1);
    expect(output()).toContain("WARNING: Invalid input");
  });

  test("allowRandom picks one of the options when not interactive", async () => {
    const { console, output } = scripted();
    expect([1, 2, 3]).toContain(await console.choice("Size", sizes, { allowRandom: true }));
    expect(output()).toContain("(default=random)");
  });

  test("no options throws NoInput", async () => {
    await expect(scripted("1\n").console.choice("Size", [])).rejects.toThrow(/No answer to "Size": no options given/);
  });

  test.each([
    ["allowRandom together with a default", { allowRandom: true, default: 1 }, /allowRandom or default, not both/],
    ["a default that is not an option", { default: 9 }, /the default 9 is not one of the options/],
  ])("%s is refused", async (_name, settings, message) => {
    await expect(scripted("1\n").console.choice("Size", sizes, settings)).rejects.toThrow(message);
  });

  test("when not interactive and without a default, throws NoInput naming the question", async () => {
    await expect(scripted().console.choice("Which host", sizes)).rejects.toThrow(/"Which host"/);
  });
});

describe("Console.lesspipe", () => {
  const lines = ["one", "two", "three", "four", "five"];

  test("when not interactive, prints every line", async () => {
    const { console, output } = scripted();
    await console.lesspipe(lines);
    expect(output()).toBe("one\ntwo\nthree\nfour\nfive\n");
  });

  test("on a terminal, waits for a key after each page of rows - 1 lines, and stops at the end of input", async () => {
    const { console, stdout, stdin } = streamed(" ", terminal(3, 80));
    stdin.end();
    await console.lesspipe(lines);
    expect(await screen(stdout.text(), 3, 80)).toEqual(["one", "two", "three", "four"]);
  });

  test("on a terminal, prints what fits on one page without waiting", async () => {
    const { console, stdout } = streamed("", terminal(10, 80));
    await console.lesspipe(lines);
    expect(stdout.text()).toBe("one\ntwo\nthree\nfour\nfive\n");
  });

  test("q stops the pager", async () => {
    const { console, stdout } = streamed("q", terminal(3, 80));
    await console.lesspipe(lines);
    expect(plain(stdout.text())).not.toContain("three");
  });

  test("reads lines from an async iterable lazily, one line ahead of the page to know whether more follow", async () => {
    const read: number[] = [];
    async function* generate() {
      for (let i = 1; i <= 5; i++) {
        read.push(i);
        yield `line ${i}`;
      }
    }
    const { console } = streamed("q", terminal(3, 80));
    await console.lesspipe(generate());
    expect(read).toEqual([1, 2, 3]);
  });
});

describe("Console.inColumns", () => {
  test.each([
    ["fit as many columns as the width allows", 20, ["a", "bb", "ccc", "dd", "e", "ffff"], {}, ["a    bb   ccc  dd", "e    ffff"]],
    ["use one column when an item is wider than the terminal", 4, ["abcdef", "g"], {}, ["abcdef", "g"]],
    ["start every line with the margin", 12, ["ab", "cd", "ef"], { marginLeft: 2 }, ["  ab cd ef"]],
    ["add no trailing empty line when the items fill the last line", 6, ["ab", "cd"], {}, ["ab cd"]],
    ["give no lines for no items", 80, [], {}, []],
  ] as const)("%s", (_name, width, items, options, expected) => {
    const console = new Console(new DummyPty("", { size: [40, width] }));
    expect(console.inColumns(items, options)).toEqual([...expected]);
  });

  test("colour codes take no width", () => {
    const console = new Console(new DummyPty("", { size: [40, 8] }));
    expect(console.inColumns(["\x1b[31mab\x1b[0m", "cd"]).map(plain)).toEqual(["ab cd"]);
  });

  test("an item may give its own visible width", () => {
    const console = new Console(new DummyPty("", { size: [40, 12] }));
    expect(console.inColumns([["<ab>", 2], ["cd", 2]])).toEqual(["<ab> cd"]);
  });
});

describe("Console.warning", () => {
  test("prints a plain warning line when the output is not a terminal", () => {
    const { console, output } = scripted();
    console.warning("disk almost full");
    expect(output()).toBe("*** WARNING: disk almost full ***\n");
  });

  test("is coloured on a terminal", () => {
    const stdout = terminal();
    new Console(new Pty(undefined, stdout, { interactive: false })).warning("careful");
    expect(stdout.text()).toContain("\x1b[");
    expect(plain(stdout.text())).toBe("*** WARNING: careful ***\n");
  });
});

describe("progress bars", () => {
  test("when the output is not a terminal, print only their final line", () => {
    const { console, output } = scripted();
    const bar = console.progressBar("Uploading", { expected: 4, now: () => 0 });
    for (let i = 0; i < 4; i++) bar.next();
    expect(output()).toBe("");
    bar.finish();
    expect(output()).toBe("Uploading:  4/4 [100% completed]  [0:00:00]  [DONE]\n");
  });

  test("finish is idempotent", () => {
    const { console, output } = scripted();
    const bar = console.progressBar("Work");
    bar.finish();
    bar.finish();
    expect(output().split("\n")).toHaveLength(2);
  });

  test("with clearOnFinish, leave nothing behind", () => {
    const { console, output } = scripted();
    console.progressBar("Work", { clearOnFinish: true }).finish();
    expect(output()).toBe("");
  });

  test("redraw in place on a terminal, and next() redraws only once the last redraw is 100 ms old", () => {
    let clock = 0;
    const stdout = terminal();
    const console = new Console(new Pty(undefined, stdout, { interactive: false }));
    const bar = console.progressBar("Copying", { expected: 10, now: () => clock });
    const draws = () => stdout.text().split("\r\x1b[K").length - 1;
    expect(draws()).toBe(1);
    bar.next();
    expect(draws()).toBe(1);
    clock = 101;
    bar.next();
    expect(draws()).toBe(2);
    bar.setProgress(5);
    expect(draws()).toBe(3);
    expect(plain(stdout.text())).toContain("Copying:  5/10 [50% completed]  [0:00:00]");
  });

  test("without an expected count, show the counter and unknown percentage", () => {
    const bar = new ProgressBar(new DummyPty(), "Scanning", { now: () => 0 });
    bar.setProgress(7);
    expect(bar.render()).toBe("Scanning:  7  [0:00:00]");
    expect(bar.state().percentage).toBe("??");
  });

  test("show the duration as H:MM:SS", () => {
    let clock = 0;
    const bar = new ProgressBar(new DummyPty(), "Long", { now: () => clock });
    clock = (3600 + 2 * 60 + 5) * 1000;
    expect(bar.state().duration).toBe("1:02:05");
  });

  test("with steps, count to the last step and show the current step's description", () => {
    const { console } = scripted();
    const bar = console.progressBarWithSteps("Connecting", { 1: "Resolving address", 2: "Authenticating" }, { now: () => 0 });
    bar.setProgress(1);
    expect(bar.state()).toMatchObject({ expected: 2, status: "Resolving address", percentage: "50%" });
    expect(bar.render()).toBe("Connecting:  1/2 [50% completed]  [0:00:00]  [Resolving address]");
  });

  test("a custom format builds the line from the state", () => {
    const { console, output } = scripted();
    const bar = console.progressBar("Sync", { expected: 2, format: (s) => `${s.message} ${s.counter}/${s.expected} ${s.status}` });
    bar.setProgress(2);
    bar.finish();
    expect(output()).toBe("Sync 2/2 DONE\n");
  });

  test("a `using` declaration finishes the bar", () => {
    const { console, output } = scripted();
    {
      using bar = console.progressBar("Scoped", { now: () => 0 });
      bar.next();
    }
    expect(output()).toBe("Scoped:  1  [0:00:00]  [DONE]\n");
  });

  test("expected and steps together are refused", () => {
    expect(() => new ProgressBar(new DummyPty(), "x", { expected: 2, steps: { 1: "a" } })).toThrow(/expected or steps, not both/);
  });
});

describe("Pty", () => {
  test("a DummyPty is 40x80 and not interactive; its size can be set", () => {
    const pty = new DummyPty();
    expect(pty.getSize()).toEqual([40, 80]);
    expect(pty.interactive).toBe(false);
    pty.setSize(10, 30);
    expect([pty.getHeight(), pty.getWidth()]).toEqual([10, 30]);
  });

  test("a Pty reads its size from a terminal output, else 24x80", () => {
    expect(new Pty(undefined, terminal(50, 120)).getSize()).toEqual([50, 120]);
    expect(new Pty(undefined, { write: () => true }).getSize()).toEqual([24, 80]);
  });

  test("resize listeners hear setSize until they unsubscribe", () => {
    const pty = new DummyPty();
    const heard: [number, number][] = [];
    const stop = pty.onResize((rows, columns) => heard.push([rows, columns]));
    pty.setSize(30, 100);
    stop();
    pty.setSize(31, 101);
    expect(heard).toEqual([[30, 100]]);
  });

  test("the TERM value can be read and changed", () => {
    const pty = new Pty(undefined, terminal(), { term: "xterm-256color" });
    expect(pty.getTermVar()).toBe("xterm-256color");
    pty.setTermVar("vt100");
    expect(pty.getTermVar()).toBe("vt100");
  });

  test("readKeys hands keys over one at a time until told to stop, leaving the rest for the next reader", async () => {
    const stdin = new PassThrough();
    stdin.write("ab\x1b[Acd\n");
    const pty = new Pty(stdin, terminal(), { interactive: true });
    const seen: string[] = [];
    expect(await pty.readKeys((key) => seen.push(key) === 3)).toBe("stopped");
    expect(seen).toEqual(["a", "b", "\x1b[A"]);
    expect(await pty.readLine()).toEqual({ kind: "line", text: "cd" });
  });

  test("readKeys stops waiting when its signal aborts, and input typed later is not lost", async () => {
    const stdin = new PassThrough();
    const pty = new Pty(stdin, terminal(), { interactive: true });
    const stop = new AbortController();
    const reading = pty.readKeys(() => false, stop.signal);
    stop.abort();
    expect(await reading).toBe("aborted");
    stdin.write("later\n");
    expect(await pty.readLine()).toEqual({ kind: "line", text: "later" });
  });

  test("readKeys ends at once when not interactive, and at the end of input", async () => {
    const stdin = new PassThrough();
    stdin.write("typed");
    expect(await new Pty(stdin, terminal(), { interactive: false }).readKeys(() => false)).toBe("end-of-input");
    expect(await new DummyPty("xy").readKeys(() => false)).toBe("end-of-input");
  });

  test("readKey returns one key at a time, then undefined at the end", async () => {
    const pty = new DummyPty("a\x1b[A");
    expect([await pty.readKey(), await pty.readKey(), await pty.readKey()]).toEqual(["a", "\x1b[A", undefined]);
  });
});
