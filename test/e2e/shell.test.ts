import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/deployer.ts";
import { colorOf, onScreen } from "../helpers/screen.ts";
import { until } from "../helpers/wait.ts";

const TAB = "\t";
const CTRL_C = "\x03";
const CTRL_D = "\x04";
const UP = "\x1b[A";

/** A fresh project with the shell fixture as deploy.ts, and its own state directory for history. */
function project() {
  const dir = mkdtempSync(join(tmpdir(), "deployer-shell-"));
  copyFileSync(join(ROOT, "test", "fixture", "shell-deploy.ts"), join(dir, "deploy.ts"));
  return { dir, env: { XDG_STATE_HOME: join(dir, "state") } };
}

async function shell(p = project()) {
  const screen = await onScreen(["run", "deploy.ts"], { cwd: p.dir, env: p.env });
  await screen.waitForLast("Root > ");
  return screen;
}

describe("the shell", () => {
  test("Tab completes a child's name inline", async () => {
    const s = await shell();
    s.type(`prod${TAB}`);
    await s.waitForLast("Root > production ");
    s.type(`gr${TAB}`);
    await s.waitForLast("Root > production greet ");
    s.type(CTRL_D);
  }, 30_000);

  test("a second Tab lists the candidates in columns, private names only when asked for", async () => {
    const s = await shell();
    s.type(`${TAB}${TAB}`);
    await s.waitFor(/production\s+staging\s+web/);
    expect(s.lines().join("\n")).not.toContain("_hidden");
    expect(s.lines().join("\n")).toMatch(/cd\s+ls\s+pwd/);
    s.type(`_${TAB}`);
    await s.waitForLast("Root > _hidden ");
    s.type(CTRL_D);
  }, 30_000);

  test("cd and ls show where you are and what is there", async () => {
    const s = await shell();
    s.type("cd staging\r");
    await s.waitForLast("Root.staging > ");
    s.type("ls\r");
    await s.waitFor(/Actions:\n.*echoArgs\*.*greet\*/);
    s.type("cd ..\rpwd\r");
    await s.waitFor("/Root\n");
    s.type("cd -\r");
    await s.waitForLast("Root.staging > ");
    s.type(CTRL_D);
  }, 30_000);

  test("actions run with their arguments; quotes keep spaces; navigation-like words stay arguments", async () => {
    const s = await shell();
    s.type(`production greet "Ada Lovelace" hi\r`);
    await s.waitFor("hi, Ada Lovelace!");
    s.type(`staging echoArgs .. - / . 'two words'\r`);
    await s.waitFor(`["..","-","/",".","two words"]`);
    s.type(CTRL_D);
  }, 30_000);

  test("a ParallelNode's action prints one result per host", async () => {
    const s = await shell();
    s.type("web whoami\r");
    await s.waitFor("{ local1: 'local1', local2: 'local2' }");
    s.type("cd web :local2\r");
    await s.waitForLast("Root.web[local2] > ");
    s.type("whoami\r");
    await s.waitFor(/^local2$/m);
    s.type(CTRL_D);
  }, 30_000);

  test("--inspect shows a query with every subquery and its value", async () => {
    const s = await shell();
    s.type("--inspect production port\r");
    await s.waitFor("expression: Q.basePort.$add(Q.parent.offset)");
    await s.waitFor(/Q\.basePort\s+→ 8000/);
    await s.waitFor(/Q\.parent\.offset\s+→ 80/);
    await s.waitFor(/Q\.basePort\.\$add\(Q\.parent\.offset\)\s+→ 8080/);
    s.type(CTRL_D);
  }, 30_000);

  test("an unknown word gets a suggestion", async () => {
    const s = await shell();
    s.type("prodution greet x\r");
    await s.waitFor(`Unknown command: "prodution" is not a command, node or action at Root. Did you mean "production"?`);
    // A command typed after the node it is for says where it goes (it used to suggest itself).
    s.type("production --run\r");
    await s.waitFor(`Unknown command: "--run" is a command, so it comes first: --run production`);
    s.type(CTRL_D);
  }, 30_000);

  test("Ctrl-C stops a running action and its commands, and returns to the prompt", async () => {
    const p = project();
    const s = await shell(p);
    s.type("staging nap\r");
    await s.waitFor("echo napping; sleep 29.123");
    // Both hosts' commands are running (they are this machine): that sleep, twice.
    await until(() => sleepers(p.dir) === 2);
    s.type(CTRL_C);
    await s.waitFor(/Interrupted \(stopped 2 running commands\)\./);
    await s.waitForLast("Root > ");
    await until(() => sleepers(p.dir) === 0);
    s.type("pwd\r");
    await s.waitFor("/Root\n");
    s.type(CTRL_D);
  }, 30_000);

  test("Ctrl-C at the prompt clears the line; Ctrl-D leaves the shell", async () => {
    const s = await shell();
    s.type("some half typed");
    await s.waitForLast("Root > some half typed");
    s.type(CTRL_C);
    await s.waitForLast("Root > ");
    s.type(CTRL_D);
    expect((await s.exited).exitCode).toBe(0);
  }, 30_000);

  test("sandbox checks commands without running them", async () => {
    const p = project();
    const s = await shell(p);
    const file = join(p.dir, "made-by-action");
    s.type(`sandbox staging touch ${file}\r`);
    await s.waitFor(`(sandbox) touch '${file}'`);
    await s.waitForLast("Root > ");
    expect(existsSync(file)).toBe(false);
    s.type(`staging touch ${file}\r`);
    await s.waitForLast("Root > ");
    await until(() => existsSync(file));
    s.type(CTRL_D);
  }, 30_000);

  test("an action returning a node opens a subshell there; return comes back", async () => {
    const s = await shell();
    s.type("production enter\r");
    await s.waitFor("Starting subshell ...");
    await s.waitForLast("(subshell 1) Root > ");
    s.type("return\r");
    await s.waitForLast(/^Root > $/);
    s.type(CTRL_D);
  }, 30_000);

  test("history survives sessions and Ctrl-R finds an old command", async () => {
    const p = project();
    const first = await shell(p);
    first.type("production greet history\r");
    await first.waitFor("hello, history!");
    first.type("pwd\r");
    await first.waitFor("/Root");
    first.type(CTRL_D);
    await first.exited;
    const second = await shell(p);
    second.type(UP);
    await second.waitForLast("Root > pwd");
    second.type(CTRL_C);
    second.type("\x12gree");
    await second.waitForLast("(reverse-i-search)'gree': production greet history");
    second.type("\r");
    await second.waitFor("Root > production greet history\nhello, history!");
    second.type(CTRL_D);
  }, 30_000);

  test("--version names the version and the root node", async () => {
    const s = await shell();
    s.type("--version\r");
    await s.waitFor(/deployer \d+\.\d+\.\d+ on .*, root node <Root>/);
    s.type(CTRL_D);
  }, 30_000);
});

/** How many of the fixture's `sleep 29.123` commands are running (a duration no other test uses). */
function sleepers(_dir: string): number {
  const out = spawnSync("pgrep", ["-f", "^sleep 29\\.123$"], { encoding: "utf8" }).stdout.trim();
  return out ? out.split("\n").length : 0;
}

describe("the shell's colours and host commands", () => {
  test("the prompt colours each name by its group; NO_COLOR turns colour off", async () => {
    const p = project();
    const s = await shell(p);
    s.type("cd production\r");
    await s.waitForLast("Root.production > ");
    expect(colorOf(s, "production >")).toBe(1); // Production is red
    s.type(CTRL_D);
    const plain = await onScreen(["run", "deploy.ts", "--path", "production"], { cwd: p.dir, env: { ...p.env, NO_COLOR: "1" } });
    await plain.waitForLast("Root.production > ");
    expect(colorOf(plain, "production >")).toBeUndefined();
    plain.type(CTRL_D);
  }, 30_000);

  test("--run asks for a command and runs it on every host of the node", async () => {
    const s = await shell();
    s.type("--run staging\r");
    await s.waitFor("Command will be executed on 2 hosts:");
    await s.waitFor("   - local2");
    await s.waitFor("Enter command");
    s.type("echo ran-$((20 + 22))\r");
    // Each host's lines carry its name; a summary ends the run.
    await s.waitFor(/local1 │ \$ echo ran-\$\(\(20 \+ 22\)\)/);
    await s.waitFor(/local2 │ \$ echo ran-\$\(\(20 \+ 22\)\)/);
    await s.waitFor("local1 │ ran-42");
    await s.waitFor("local2 │ ran-42");
    await s.waitFor("Summary: 2 ok, 0 failed, of 2 hosts");
    await s.waitFor(/ok\s+local2\s+\d+\.\ds/);
    s.type(CTRL_D);
  }, 30_000);

  test("find lists every action below a node, with its path", async () => {
    const s = await shell();
    s.type("find\r");
    await s.waitFor(" production greet");
    await s.waitFor(" web whoami");
    s.type("q");
    s.type(CTRL_D);
  }, 30_000);

  test("--source-code shows the class as written in deploy.ts", async () => {
    const s = await shell();
    s.type("--source-code production\r");
    await s.waitFor("class App extends Node {");
    await s.waitFor("return `${greeting}, ${name}!`;");
    s.type("q");
    s.type(CTRL_D);
  }, 30_000);
});

describe("line editing keys", () => {
  test("Ctrl-A goes to the start of the line, Ctrl-E to the end, Ctrl-U and Ctrl-K delete", async () => {
    const s = await shell();
    s.type("greet x\x01production \x05 y");
    await s.waitForLast("Root > production greet x y");
    s.type("\x01\x0b");
    await s.waitForLast(/^Root > $/);
    s.type("pwd extra\x17\x17pwd\r");
    await s.waitFor("/Root\n");
    s.type(CTRL_D);
  }, 30_000);

  test("Ctrl-L clears the screen and keeps the line being typed", async () => {
    const s = await shell();
    s.type("pwd\r");
    await s.waitFor("/Root");
    s.type("cd sta\x0c");
    await s.waitFor(/^Root > cd sta$/);
    expect(s.lines()[0]).toBe("Root > cd sta");
    s.type(CTRL_D);
  }, 30_000);
});

test("--connect asks which host and opens a shell there until it exits", async () => {
  const p = project();
  const s = await onScreen(["run", "deploy.ts"], { cwd: p.dir, env: { ...p.env, SHELL: "/bin/sh" } });
  await s.waitForLast("Root > ");
  s.type("--connect staging\r");
  await s.waitFor("Connect to which host?");
  await s.waitFor("local2");
  s.type("2\r");
  await s.waitFor(/^[#$] $/m);
  s.type("echo connected-$((1 + 1))\r");
  await s.waitFor(/^connected-2$/m);
  s.type("exit\r");
  await s.waitForLast("Root > ");
  s.type(CTRL_D);
}, 30_000);

describe("questions inside actions", () => {
  test("confirm gets its answer from the keyboard", async () => {
    const s = await shell();
    s.type("production ask\r");
    await s.waitFor("Really deploy?");
    s.type("y\r");
    await s.waitFor(/^deploying$/m);
    s.type("staging ask\r");
    await s.waitFor(/Really deploy\?(.|\n)*Really deploy\?/);
    s.type("n\r");
    await s.waitFor(/^cancelled$/m);
    s.type(CTRL_D);
  }, 30_000);

  // Ink draws nothing but the last frame when CI is set; a person at a terminal inside a CI job
  // (or with CI in their environment) must still see the question they are answering.
  test("a question shows while it waits, also when CI or CONTINUOUS_INTEGRATION is set", async () => {
    const p = project();
    const s = await onScreen(["run", "deploy.ts"], { cwd: p.dir, env: { ...p.env, CI: "true", CONTINUOUS_INTEGRATION: "1" } });
    await s.waitForLast("Root > ");
    s.type("production ask\r");
    await s.waitFor("Really deploy?");
    s.type("y\r");
    await s.waitFor(/^deploying$/m);
    s.type("production login\r");
    await s.waitFor("Password");
    s.type("hunter2-secret\r");
    await s.waitFor("got 14 characters");
    s.type(CTRL_D);
    await s.exited;
  }, 30_000);

  test("a password typed at a question is neither shown nor kept in the history", async () => {
    const p = project();
    const s = await shell(p);
    s.type("production login\r");
    await s.waitFor("Password");
    s.type("hunter2-secret\r");
    await s.waitFor("got 14 characters");
    s.type(CTRL_D);
    await s.exited;
    expect(s.lines().join("\n")).not.toContain("hunter2");
    const history = spawnSync("bash", ["-c", `cat "${p.env.XDG_STATE_HOME}"/deployer/history/*`], { encoding: "utf8" }).stdout;
    expect(history).toContain("production login");
    expect(history).not.toContain("hunter2");
  }, 30_000);
});

test("long output goes through the pager: space shows the next page, q quits", async () => {
  const p = project();
  const s = await onScreen(["run", "deploy.ts"], { cwd: p.dir, env: p.env, rows: 12 });
  await s.waitForLast("Root > ");
  s.type("find\r");
  await s.waitFor(" production greet");
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(s.lines().join("\n")).not.toContain(" web whoami"); // the last line waits for the next pages
  for (let i = 0; i < 5 && !s.lines().join("\n").includes(" web whoami"); i++) {
    s.type(" ");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await s.waitFor(" web whoami");
  await s.waitForLast("Root > ");
  s.type("find\r");
  await s.waitFor(/production greet(.|\n)*production greet/);
  s.type("q");
  await s.waitForLast("Root > ");
  s.type(CTRL_D);
}, 30_000);
