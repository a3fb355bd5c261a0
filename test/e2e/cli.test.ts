import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ROOT, deployer, lines, project } from "../helpers/deployer.ts";

const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;

describe("deployer run FILE -- ACTION", () => {
  test("the hello example says hello world on the local host and exits 0", () => {
    const run = deployer(["run", "examples/hello.ts", "--non-interactive", "--", "local_hello", "hello"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toContain("hello world");
    expect(run.stdout).toMatch(/localhost echo hello world/);
  });

  test("the remote half of the example explains how to enable it when no SSH host is configured", () => {
    const run = deployer(["run", "examples/hello.ts", "--non-interactive", "--", "remote_hello", "hello"], {
      env: { ...process.env, HELLO_SSH_HOST: undefined },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("remote_hello skipped: set HELLO_SSH_HOST");
  });

  test("a named `root` export works when there is no default export", () => {
    const dir = project({ "deploy.ts": `import { Node } from "deployer";\nexport class root extends Node { async ping() { return "pong"; } }\n` });
    const run = deployer(["run", "deploy.ts", "--", "ping"], { cwd: dir });
    expect(run.stdout).toBe("pong\n");
    expect(run.status).toBe(0);
  });

  test("action arguments arrive as strings and the result is printed", () => {
    const dir = project({
      "deploy.ts": `import { Node } from "deployer";\nexport default class Root extends Node {\n  app = class extends Node {\n    async greet(name: string, times: string) {\n      return \`hi \${name} x\${times} (\${typeof times})\`;\n    }\n  };\n}\n`,
    });
    const run = deployer(["run", "deploy.ts", "--non-interactive", "--path", "app", "--", "greet", "bob", "3"], { cwd: dir });
    expect(run.stdout).toBe("hi bob x3 (string)\n");
    expect(run.status).toBe(0);
  });

  test("TC39 decorators, `using`, and instanceof across user code and the engine work", () => {
    const dir = project({
      "deploy.ts": [
        `import { Node, Env } from "deployer";`,
        `function shout(fn: any, ctx: ClassMethodDecoratorContext) {`,
        `  return async function (this: any, ...args: any[]) { return String(await fn.apply(this, args)).toUpperCase(); };`,
        `}`,
        `export default class Root extends Node {`,
        `  @shout`,
        `  async check() {`,
        `    const seen: string[] = [];`,
        `    { using _ = { [Symbol.dispose]() { seen.push("disposed"); } }; seen.push("inside"); }`,
        `    return [seen.join("+"), this instanceof Node, this instanceof Env, this instanceof Root].join(" ");`,
        `  }`,
        `}`,
      ].join("\n"),
    });
    const run = deployer(["run", "deploy.ts", "--", "check"], { cwd: dir });
    expect(run.stdout).toBe("INSIDE+DISPOSED TRUE TRUE TRUE\n");
  });

  test("bare imports resolve from node_modules beside the file; local imports are bundled", () => {
    const dir = project({
      "deploy.ts": `import { Node } from "deployer";\nimport pad from "left-pad";\nimport { greeting } from "./lib.ts";\nexport default class Root extends Node { async go() { return pad(greeting, 8) + "|"; } }\n`,
      "lib.ts": `export const greeting = "hey";\n`,
    });
    mkdirSync(join(dir, "node_modules", "left-pad"), { recursive: true });
    Bun.write(join(dir, "node_modules", "left-pad", "index.js"), "module.exports = (s, n) => String(s).padStart(n);\n");
    Bun.write(join(dir, "node_modules", "left-pad", "package.json"), `{"name":"left-pad","main":"index.js"}`);
    const run = deployer(["run", "deploy.ts", "--", "go"], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("     hey|\n");
  });

  test("an exception thrown in deploy.ts names deploy.ts:LINE:COL, the user's frame first, and exits 1", () => {
    const dir = project({
      "deploy.ts": [
        `import { Node } from "deployer";`,
        `// padding to move the line`,
        `function check(v: number) {`,
        `  if (v > 1) throw new RangeError("too big: " + v);`,
        `}`,
        `export default class Root extends Node {`,
        `  async go() {`,
        `    check(5);`,
        `  }`,
        `}`,
      ].join("\n"),
    });
    const run = deployer(["run", "deploy.ts", "--non-interactive", "--", "go"], { cwd: dir });
    expect(run.status).toBe(1);
    const [first, ...rest] = lines(run.stderr);
    expect(first).toMatch(/^deploy\.ts:4:\d+: Root\.go failed: RangeError: too big: 5$/);
    expect(rest[0]).toMatch(/at check \(deploy\.ts:4:\d+\)/);
    expect(rest[1]).toMatch(/at go \(deploy\.ts:8:\d+\)/);
  });

  test("nodes keep their class names in messages when another file uses the same name", () => {
    const dir = project({
      "base.ts": `import { Node } from "deployer";\nexport default class Root extends Node { async hello() { return "hi"; } }\n`,
      "deploy.ts": `import { Node } from "deployer";\nimport Base from "./base.ts";\nexport default class Root extends Base { async broken() { throw new Error("no"); } }\n`,
    });
    const run = deployer(["run", "deploy.ts", "--non-interactive", "--", "broken"], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Root.broken failed");
    expect(run.stderr).not.toContain("Root2");
  });

  test("a failing command exits 1 with one line naming the command, the host and the status", () => {
    const dir = project({
      "deploy.ts": `import { Node, LocalHost } from "deployer";\nexport default class Root extends Node {\n  Hosts = { host: LocalHost };\n  async go() { await this.hosts.run("exit 7"); }\n}\n`,
    });
    const run = deployer(["run", "deploy.ts", "--non-interactive", "--", "go"], { cwd: dir });
    expect(run.status).toBe(1);
    expect(lines(run.stderr)[0]).toMatch(/^deploy\.ts:4:\d+: Root\.go failed: Executing "exit 7" on "localhost" failed with status code: 7$/);
  });

  test("an unknown node or action lists what is there", () => {
    const run = deployer(["run", "examples/hello.ts", "--", "local_hello", "helo"]);
    expect(run.status).toBe(2);
    expect(lines(run.stderr)).toEqual([`deployer: Root local_hello has no node or action "helo" (nodes: none; actions: hello)`]);
  });
});

describe("bad input gets one line on stderr and exit code 2", () => {
  const cases: Array<[string, Record<string, string>, string[], RegExp]> = [
    ["a missing file", {}, ["run", "nope.ts", "--", "x"], /^deployer: nope\.ts: no such file$/],
    ["a syntax error", { "deploy.ts": `import { Node } from "deployer";\n\nexport default class Root extends Node {\n  x = = 1;\n}\n` }, ["run", "deploy.ts", "--", "x"], /^deploy\.ts:4:7: error: Unexpected "="$/],
    ["an import that cannot be resolved", { "deploy.ts": `import { Node } from "deployer";\nimport thing from "no-such-package";\nexport default class Root extends Node { t = thing; }\n` }, ["run", "deploy.ts", "--", "x"], /^deploy\.ts:2:19: error: Could not resolve "no-such-package"$/],
    ["a module with no root node", { "deploy.ts": `import { Node } from "deployer";\nexport class Web extends Node {}\nexport const port = 80;\n` }, ["run", "deploy.ts", "--", "x"], /^deployer: deploy\.ts: no root node: export default a Node subclass \(or export it as "root"\); it exports Web \(a Node class\), port \(number\)$/],
    ["a default export that is not a Node class", { "deploy.ts": `export default class Root {}\n` }, ["run", "deploy.ts", "--", "x"], /^deployer: deploy\.ts: no root node: .*it exports default \(a class that is not a Node\)$/],
    ["an error thrown while the file loads", { "deploy.ts": `import { Node } from "deployer";\nconst port = Number("x");\nif (Number.isNaN(port)) throw new Error("PORT is not a number");\nexport default class Root extends Node {}\n` }, ["run", "deploy.ts", "--", "x"], /^deploy\.ts:3:\d+: error: Error: PORT is not a number$/],
  ];

  test.each(cases)("%s", (_name, files, args, pattern) => {
    const run = deployer(args, { cwd: project(files) });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toHaveLength(1);
    expect(lines(run.stderr)[0]).toMatch(pattern);
  });

  test("an unknown option, followed by the usage", () => {
    const run = deployer(["run", "examples/hello.ts", "--frobnicate"]);
    expect(run.status).toBe(2);
    const [first, second, ...rest] = lines(run.stderr);
    expect(first).toBe("deployer: unknown option --frobnicate");
    expect(second).toMatch(/^  usage: deployer run FILE .*\[-- ACTION ARG\.\.\.\]$/);
    expect(rest).toEqual([]);
  });
});

test("--help lists every command and --version prints the version", () => {
  const help = deployer(["--help"]);
  expect(help.status).toBe(0);
  for (const command of ["run", "listen", "connect", "telnet-server", "list-sessions", "scp"]) {
    expect(help.stdout).toContain(`deployer ${command}`);
  }
  expect(deployer(["--version"]).stdout).toBe(`deployer ${VERSION}\n`);
});

test("the binary alone, with no bun, node or deno on PATH and a fresh HOME, runs the example", () => {
  const dir = mkdtempSync(join(tmpdir(), "deployer-alone-"));
  const bin = join(dir, "bin");
  const home = join(dir, "home");
  mkdirSync(bin);
  mkdirSync(home);
  copyFileSync(BINARY, join(dir, "deployer"));
  spawnSync("chmod", ["+x", join(dir, "deployer")]);
  copyFileSync(join(ROOT, "examples", "hello.ts"), join(dir, "hello.ts"));
  const env = { PATH: bin, HOME: home };
  for (const tool of ["bun", "node", "deno"]) {
    expect(spawnSync("/bin/sh", ["-c", `command -v ${tool}`], { env }).status).not.toBe(0);
  }
  const run = deployer(["run", "hello.ts", "--non-interactive", "--", "local_hello", "hello"], { cwd: dir, env, binary: join(dir, "deployer") });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(lines(run.stdout)).toContain("hello world");
  const cache = join(home, ".cache", "deployer");
  const [esbuildDir] = readdirSync(cache).filter((name) => name.startsWith("esbuild-"));
  expect(existsSync(join(cache, esbuildDir!, "esbuild"))).toBe(true);
  // A second run reuses the extracted esbuild.
  const again = deployer(["run", "hello.ts", "--non-interactive", "--", "local_hello", "hello"], { cwd: dir, env, binary: join(dir, "deployer") });
  expect(again.status).toBe(0);
  expect(readdirSync(join(cache, esbuildDir!))).toEqual(["esbuild"]);
});

test("the same sources run under Deno", () => {
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "deno"), ["run", "-A", "cmd/deployer.ts", "run", "examples/hello.ts", "--non-interactive", "--", "local_hello", "hello"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    timeout: 180_000,
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  expect(lines(result.stdout)).toContain("hello world");
});
