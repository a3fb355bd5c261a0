// A deploy.ts that is broken: it throws at import, never finishes importing (stopped with Ctrl-C),
// or defines cyclic child nodes. Each gets one clear error, never a hang or a stack overflow.
import { describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, deployer, lines, project } from "../helpers/deployer.ts";
import { onScreen } from "../helpers/screen.ts";
import { until } from "../helpers/wait.ts";

const CTRL_C = "\x03";

/** Whether process `pid` still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("a deploy.ts that throws at import", () => {
  const dir = project({
    "deploy.ts": [
      `import { Node } from "deployer";`,
      `const ready = true;`,
      `if (ready) throw new Error("no config for this host");`,
      `export default class Root extends Node {}`,
    ].join("\n"),
  });

  test("is one line naming the file, line and column, and exit status 2", () => {
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", "anything"], { cwd: dir });
    expect(result.status).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^deploy\.ts:3:\d+: error: Error: no config for this host\n$/);
  });

  test("says the same on a terminal, where the shell's session server loads it", async () => {
    const screen = await onScreen(["run", "deploy.ts"], { cwd: dir, env: { XDG_STATE_HOME: join(dir, "state") } });
    expect((await screen.exited).exitCode).toBe(2);
    await screen.waitFor(/deploy\.ts:3:\d+: error: Error: no config for this host/);
  }, 30_000);
});

describe("a deploy.ts that loops forever at import", () => {
  /**
   * A project whose deploy.ts writes its pid to `started`, then never finishes importing (before or
   * after a top-level await). TMPDIR is its own, to see that no bundle file is left behind.
   */
  function looping(afterAwait = false) {
    const dir = project({});
    const started = join(dir, "started");
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    const file = [
      `import { Node } from "deployer";`,
      `import { writeFileSync } from "node:fs";`,
      ...(afterAwait ? [`await new Promise((resolve) => setTimeout(resolve, 10));`] : []),
      `writeFileSync(${JSON.stringify(started)}, String(process.pid));`,
      `while (true) {}`,
      `export default class Root extends Node {}`,
    ].join("\n");
    writeFileSync(join(dir, "deploy.ts"), file);
    return { dir, started, tmp, env: { XDG_STATE_HOME: join(dir, "state"), XDG_RUNTIME_DIR: join(dir, "run"), TMPDIR: tmp } };
  }

  /** Files left in the project's TMPDIR (the bundle deployer imports is written there, then removed). */
  const leftovers = (tmp: string): string[] => readdirSync(tmp, { recursive: true }).map(String).filter((name) => name.endsWith(".mjs"));

  const MESSAGE = "deployer: interrupted (SIGINT) while loading deploy.ts: its top-level code had not finished (an endless loop?)";

  test("without a terminal, SIGINT stops it with one line saying so and status 130, leaving no file behind", async () => {
    const p = looping();
    const child = spawn(BINARY, ["run", "deploy.ts", "--non-interactive", "--", "x"], { cwd: p.dir, env: { ...process.env, ...p.env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (text: string) => { stderr += text; });
    const exited = new Promise<[number | null, string | null]>((resolve) => child.on("close", (code, signal) => resolve([code, signal])));
    await until(() => existsSync(p.started), "deploy.ts to start looping");
    expect(leftovers(p.tmp)).toHaveLength(1); // the bundle being imported
    child.kill("SIGINT");
    expect(await exited).toEqual([130, null]);
    expect(stderr).toBe(`${MESSAGE}\n`);
    expect(leftovers(p.tmp)).toEqual([]);
  }, 30_000);

  test("after a top-level await, SIGINT still ends it (without the message: the loop is no longer in the interruptible part)", async () => {
    const p = looping(true);
    const child = spawn(BINARY, ["run", "deploy.ts", "--non-interactive", "--", "x"], { cwd: p.dir, env: { ...process.env, ...p.env }, stdio: "ignore" });
    const exited = new Promise<[number | null, string | null]>((resolve) => child.on("exit", (code, signal) => resolve([code, signal])));
    await until(() => existsSync(p.started), "deploy.ts to start looping");
    child.kill("SIGINT");
    const [code, signal] = await exited;
    expect(code === 130 || signal === "SIGINT").toBe(true);
  }, 30_000);

  test("on a terminal, in this process (-s), Ctrl-C stops it and says so", async () => {
    const p = looping();
    const screen = await onScreen(["run", "deploy.ts", "-s"], { cwd: p.dir, env: p.env });
    await until(() => existsSync(p.started), "deploy.ts to start looping");
    screen.type(CTRL_C);
    expect((await screen.exited).exitCode).toBe(130);
    await screen.waitFor("interrupted (SIGINT) while loading deploy.ts: its top-level code had not finished");
    expect(leftovers(p.tmp)).toEqual([]);
  }, 30_000);

  test("on a terminal, Ctrl-C stops the session server that was loading it, and says so", async () => {
    const p = looping();
    const screen = await onScreen(["run", "deploy.ts"], { cwd: p.dir, env: p.env });
    await until(() => existsSync(p.started), "deploy.ts to start looping");
    // The server writes its own pid: it is another process, in a session of its own.
    const server = Number(readFileSync(p.started, "utf8"));
    expect(alive(server)).toBe(true);
    screen.type(CTRL_C);
    expect((await screen.exited).exitCode).toBe(130);
    await screen.waitFor("interrupted (SIGINT) while the session server was loading deploy.ts; stopped it");
    await until(() => !alive(server), "the session server to be gone");
    expect(leftovers(p.tmp)).toEqual([]);
  }, 30_000);

  test("a bundle file left by a process that was killed while importing is removed by the next run", async () => {
    const p = looping();
    const child = spawn(BINARY, ["run", "deploy.ts", "--non-interactive", "--", "x"], { cwd: p.dir, env: { ...process.env, ...p.env }, stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await until(() => existsSync(p.started), "deploy.ts to start looping");
    child.kill("SIGKILL");
    await exited;
    expect(leftovers(p.tmp)).toHaveLength(1);
    writeFileSync(join(p.dir, "deploy.ts"), `import { Node } from "deployer";\nexport default class Root extends Node { async hi() { return "hi"; } }\n`);
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", "hi"], { cwd: p.dir, env: { ...process.env, ...p.env } });
    expect(result.stdout).toContain("hi");
    expect(leftovers(p.tmp)).toEqual([]);
  }, 30_000);
});

describe("cyclic child nodes", () => {
  const cases: Array<[string, string, string]> = [
    ["A has child B, B has child A", [
      `class A extends Node { b: any; constructor() { super(); this.b = B; } async hi() { return "a"; } }`,
      `class B extends Node { a = A; async hi() { return "b"; } }`,
      `export default class Root extends Node { a = A; }`,
    ].join("\n"), "cyclic child nodes: A.b → B.a is A again"],
    ["a node refers to its own class", [
      `class Loop extends Node { again: any; constructor() { super(); this.again = Loop; } }`,
      `export default class Root extends Node { loop = Loop; }`,
    ].join("\n"), "cyclic child nodes: Loop.again is Loop again"],
    ["the cycle goes through mapRoles' subclasses", [
      `class A extends Node { b: any = mapRoles("host")(B); }`,
      `class B extends Node { a: any = mapRoles("host")(A); }`,
      `export default class Root extends Node { a = A; }`,
    ].join("\n"), "cyclic child nodes: A.b → B.a is A again"],
  ];

  test.each(cases)("%s: `run -- a b a b …` is one clear error, exit status 2", (_, body, message) => {
    const dir = project({ "deploy.ts": `import { Node, mapRoles } from "deployer";\n${body}\n` });
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", "a", "b", "a", "b", "a", "hi"], { cwd: dir });
    expect(result.status).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(message);
  }, 30_000);

  test("the shell does not start on a cyclic tree: the error is on the screen, exit status 2", async () => {
    const dir = project({ "deploy.ts": `import { Node } from "deployer";\n${cases[0]![1]}\n` });
    const screen = await onScreen(["run", "deploy.ts"], { cwd: dir, env: { XDG_STATE_HOME: join(dir, "state") } });
    expect((await screen.exited).exitCode).toBe(2);
    await screen.waitFor("cyclic child nodes: A.b → B.a is A again");
  }, 30_000);

  test("the engine itself refuses the cycle when code walks the tree (Inspector.walk ends)", async () => {
    const { Node, Inspector } = await import("../../engine/index.ts");
    class A extends Node { b: unknown; constructor() { super(); this.b = B; } }
    class B extends Node { a = A; }
    class Root extends Node { a = A; }
    expect(() => [...new Inspector(new Root()).walk()]).toThrow("cyclic child nodes: A.b → B.a is A again");
  });

  test("the same class twice on different branches is not a cycle", async () => {
    const { Node, Inspector } = await import("../../engine/index.ts");
    class Leaf extends Node {}
    class Mid extends Node { leaf = Leaf; }
    class Root extends Node { one = Mid; two = Mid; leaf = Leaf; }
    expect([...new Inspector(new Root()).walk()].map((n) => new Inspector(n).getPath().join("."))).toEqual(["Root", "Root.one", "Root.two", "Root.leaf", "Root.one.leaf", "Root.two.leaf"]);
  });
});

describe("hostile node names", () => {
  test("names with quotes, $(), spaces and a leading dash are reachable from the CLI and the shell", async () => {
    const dir = project({
      "deploy.ts": [
        `import { Node } from "deployer";`,
        `class Leaf extends Node { async hi() { return "hi from Leaf"; } }`,
        `export default class Root extends Node {`,
        `  ["a b"] = Leaf; ["$(touch pwned)"] = Leaf; ["-dash"] = Leaf; ["it's"] = Leaf;`,
        `}`,
      ].join("\n"),
    });
    for (const name of ["a b", "$(touch pwned)", "-dash", "it's"]) {
      const result = deployer(["run", "deploy.ts", "--non-interactive", "--", name, "hi"], { cwd: dir });
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe("hi from Leaf\n");
    }
    const screen = await onScreen(["run", "deploy.ts"], { cwd: dir, env: { XDG_STATE_HOME: join(dir, "state") } });
    await screen.waitForLast("Root > ");
    // Tab quotes the name so it stays one word; cd and the action then find it.
    screen.type("cd $\t");
    await screen.waitForLast("Root > cd '$(touch pwned)' ");
    screen.type("\r");
    await screen.waitForLast("Root.$(touch pwned) > ");
    screen.type("hi\r");
    await screen.waitFor("hi from Leaf");
    screen.type(`cd /\rcd "it's"\r`);
    await screen.waitForLast("Root.it's > ");
    screen.type("\x04");
    await screen.exited;
    expect(existsSync(join(dir, "pwned"))).toBe(false);
  }, 60_000);

  test("a name with a control character (a newline, an escape) is refused with a clear error, exit status 2", () => {
    const dir = project({
      "deploy.ts": [
        `import { Node } from "deployer";`,
        `class Leaf extends Node { async hi() { return "hi"; } }`,
        `export default class Root extends Node { ["x\\ny"] = Leaf; ok = Leaf; }`,
      ].join("\n"),
    });
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", "ok", "hi"], { cwd: dir });
    expect(result.status).toBe(2);
    expect(lines(result.stderr)).toEqual([`deployer: deploy.ts: error: TypeError: Root: the child node "x\\ny" has a control character in its name; node names are shown and typed in the shell, so they must be printable`]);
  });
});

describe("an action that awaits a promise nothing can settle", () => {
  test("ends with one line and status 1 once nothing is left running, instead of spinning for ever", () => {
    const dir = project({
      "deploy.ts": [
        `import { Node, LocalHost } from "deployer";`,
        `export default class Root extends Node {`,
        `  Hosts = { host: LocalHost };`,
        `  async stuck() { await this.hosts.run("true"); await new Promise(() => {}); }`,
        `}`,
      ].join("\n"),
    });
    // Bun spins on such an await at full CPU for ever (oven-sh/bun#14951): the 20 s limit is the hang.
    const result = spawnSync(BINARY, ["run", "deploy.ts", "--non-interactive", "--", "stuck"], { cwd: dir, encoding: "utf8", timeout: 20_000 });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(lines(result.stderr)).toEqual(["deployer: stopped: the action waits on a promise that nothing can settle any more (no command, timer, connection or input is left pending)"]);
  }, 30_000);
});
