// The transpile cache, through the compiled binary: DEPLOYER_DEBUG_BUNDLE=1 makes the loader say
// "bundle: cached" or "bundle: built (…)" on stderr, and an ESBUILD_BINARY_PATH wrapper that logs
// each start shows esbuild is not run at all on a cached load.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { deployer, lines, project } from "../helpers/deployer.ts";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A project folder and a cache folder of its own; `run` runs one action with the loader's trace on. */
function setup(files: Record<string, string>) {
  const dir = project({});
  const cache = mkdtempSync(join(tmpdir(), "deployer-cache-"));
  made.push(dir, cache);
  for (const [name, content] of Object.entries(files)) write(dir, name, content);
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", XDG_CACHE_HOME: cache, DEPLOYER_DEBUG_BUNDLE: "1", DEPLOYER_NO_CACHE: undefined };
  const run = (action: string, extra: Record<string, string | undefined> = {}) => {
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", action], { cwd: dir, env: { ...env, ...extra } });
    return { ...result, bundle: lines(result.stderr).find((line) => line.startsWith("deployer: bundle: ")) ?? "" };
  };
  return { dir, cache, bundles: join(cache, "deployer", "bundles"), run };
}

/**
 * Write a file dated a minute ago, as saved before the run (a file modified while it is being
 * bundled is not cached); every version gets the same date, so only its content can tell them apart.
 */
function write(dir: string, name: string, content: string): void {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  const then = Date.now() / 1000 - 60;
  utimesSync(path, then, then);
}

const deploy = (body: string, imports = "") => `import { Node } from "deployer";\n${imports}export default class Root extends Node {\n  async go() { ${body} }\n}\n`;

describe("the transpile cache", () => {
  test("a second run of an unchanged deploy.ts uses the cached bundle without starting esbuild", () => {
    const { cache, run } = setup({ "deploy.ts": deploy(`return "one";`) });
    const first = run("go");
    expect(first.stdout).toBe("one\n");
    expect(first.bundle).toMatch(/^deployer: bundle: built \(.*not in the cache\)$/);
    // From now on esbuild runs through a wrapper that notes each start.
    const [esbuildDir] = readdirSync(join(cache, "deployer")).filter((name) => /^esbuild-[\d.]+$/.test(name));
    const starts = join(cache, "esbuild-starts");
    const wrapper = join(cache, "esbuild-wrapper");
    writeFileSync(wrapper, `#!/bin/sh\necho started >> '${starts}'\nexec '${join(cache, "deployer", esbuildDir!, "esbuild")}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    const second = run("go", { ESBUILD_BINARY_PATH: wrapper });
    expect(second.status).toBe(0);
    expect(second.stdout).toBe("one\n");
    expect(second.bundle).toMatch(/^deployer: bundle: cached \(/);
    expect(existsSync(starts)).toBe(false);
    // The wrapper does run when a build is needed, so its silence above means something.
    expect(run("go", { ESBUILD_BINARY_PATH: wrapper, DEPLOYER_NO_CACHE: "1" }).stdout).toBe("one\n");
    expect(readFileSync(starts, "utf8")).toContain("started");
  });

  test("editing deploy.ts rebuilds the bundle, even with the same size and date", () => {
    const { dir, run } = setup({ "deploy.ts": deploy(`return "one";`) });
    expect(run("go").stdout).toBe("one\n");
    write(dir, "deploy.ts", deploy(`return "two";`));
    const edited = run("go");
    expect(edited.stdout).toBe("two\n");
    expect(edited.bundle).toMatch(/^deployer: bundle: built \(.*deploy\.ts changed\)$/);
    expect(run("go").bundle).toMatch(/^deployer: bundle: cached/);
  });

  test("editing a local file deploy.ts imports rebuilds the bundle", () => {
    const { dir, run } = setup({
      "deploy.ts": deploy(`return word;`, `import { word } from "./lib/words.ts";\n`),
      "lib/words.ts": `export const word = "one";\n`,
    });
    expect(run("go").stdout).toBe("one\n");
    expect(run("go").bundle).toMatch(/^deployer: bundle: cached/);
    write(dir, "lib/words.ts", `export const word = "two";\n`);
    const edited = run("go");
    expect(edited.stdout).toBe("two\n");
    expect(edited.bundle).toMatch(/^deployer: bundle: built \(.*lib\/words\.ts changed\)$/);
  });

  test("a package imported from node_modules is an input too", () => {
    const { dir, run } = setup({
      "deploy.ts": deploy(`return shout("hi");`, `import shout from "shout";\n`),
      "node_modules/shout/package.json": `{"name":"shout","main":"index.js"}`,
      "node_modules/shout/index.js": `module.exports = (s) => s.toUpperCase();\n`,
    });
    expect(run("go").stdout).toBe("HI\n");
    write(dir, "node_modules/shout/index.js", `module.exports = (s) => s.toUpperCase() + "!";\n`);
    const edited = run("go");
    expect(edited.stdout).toBe("HI!\n");
    expect(edited.bundle).toMatch(/node_modules\/shout\/index\.js changed\)$/);
    // So is the package.json that says which file the package is.
    write(dir, "node_modules/shout/lower.js", `module.exports = (s) => s.toLowerCase();\n`);
    write(dir, "node_modules/shout/package.json", `{"name":"shout","main":"lower.js"}`);
    expect(run("go").stdout).toBe("hi\n");
  });

  test("entries are owner-only: 0600 files in a 0700 folder, which is made so if it was not", () => {
    const { bundles, run } = setup({ "deploy.ts": deploy(`return "secret";`) });
    mkdirSync(dirname(bundles), { mode: 0o700 });
    mkdirSync(bundles, { mode: 0o755 });
    chmodSync(bundles, 0o755);
    expect(run("go").stdout).toBe("secret\n");
    expect(statSync(bundles).mode & 0o777).toBe(0o700);
    const entries = readdirSync(bundles);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(/^[0-9a-f]{32}\.json$/);
    expect(statSync(join(bundles, entries[0]!)).mode & 0o777).toBe(0o600);
  });

  test("a garbage or cut-short cache entry is ignored and replaced", () => {
    const { bundles, run } = setup({ "deploy.ts": deploy(`return "fine";`) });
    expect(run("go").stdout).toBe("fine\n");
    const [entry] = readdirSync(bundles);
    const path = join(bundles, entry!);
    const good = readFileSync(path, "utf8");
    for (const damaged of ["\x00\xff garbage", good.slice(0, good.length / 2), JSON.stringify({ format: 1, files: {}, code: 42 })]) {
      writeFileSync(path, damaged);
      const result = run("go");
      expect(result.status).toBe(0);
      expect(result.stdout).toBe("fine\n");
      expect(result.bundle).toMatch(/^deployer: bundle: built \(.*unreadable cache entry\)$/);
      expect(run("go").bundle).toMatch(/^deployer: bundle: cached/);
    }
  });

  test("a syntax error is reported at file:line:column and never cached", () => {
    const { dir, bundles, run } = setup({ "deploy.ts": deploy(`return "good";`) });
    expect(run("go").stdout).toBe("good\n");
    write(dir, "deploy.ts", `import { Node } from "deployer";\n\nexport default class Root extends Node {\n  x = = 1;\n}\n`);
    for (let i = 0; i < 2; i++) {
      const broken = run("go");
      expect(broken.status).toBe(2);
      expect(lines(broken.stderr)).toEqual(["deploy.ts:4:7: error: Unexpected \"=\""]);
    }
    write(dir, "deploy.ts", deploy(`return "fixed";`));
    expect(run("go").stdout).toBe("fixed\n");
    expect(readdirSync(bundles)).toHaveLength(1);
  });

  test("a file dated after the build started is not cached, since esbuild may have read it before the change", () => {
    const { dir, bundles, run } = setup({ "deploy.ts": deploy(`return "later";`) });
    const future = Date.now() / 1000 + 3600;
    utimesSync(join(dir, "deploy.ts"), future, future);
    for (let i = 0; i < 2; i++) {
      const result = run("go");
      expect(result.stdout).toBe("later\n");
      expect(result.bundle).toMatch(/^deployer: bundle: built \(.*\); not cached: .*deploy\.ts was modified while it was bundled$/);
    }
    expect(existsSync(bundles)).toBe(false);
  });

  test("a cache folder that cannot be made costs the cache, not the run", () => {
    const { cache, run } = setup({ "deploy.ts": deploy(`return "still";`) });
    expect(run("go").stdout).toBe("still\n");
    const [esbuildDir] = readdirSync(join(cache, "deployer")).filter((name) => /^esbuild-[\d.]+$/.test(name));
    const notAFolder = join(cache, "file");
    writeFileSync(notAFolder, "");
    const result = run("go", { XDG_CACHE_HOME: notAFolder, ESBUILD_BINARY_PATH: join(cache, "deployer", esbuildDir!, "esbuild") });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("still\n");
    expect(result.bundle).toMatch(/; not cached: cannot write the cache: /);
  });

  test("DEPLOYER_NO_CACHE=1 builds every time and writes no entry", () => {
    const { bundles, run } = setup({ "deploy.ts": deploy(`return "x";`) });
    for (let i = 0; i < 2; i++) {
      const result = run("go", { DEPLOYER_NO_CACHE: "1" });
      expect(result.stdout).toBe("x\n");
      expect(result.bundle).toMatch(/^deployer: bundle: built \([\d.]+ ms; DEPLOYER_NO_CACHE is set\)$/);
    }
    expect(existsSync(bundles)).toBe(false);
  });

  test("an extracted esbuild that was changed after its first check is replaced", () => {
    const { cache, run } = setup({ "deploy.ts": deploy(`return "ok";`) });
    expect(run("go").stdout).toBe("ok\n");
    const [esbuildDir] = readdirSync(join(cache, "deployer")).filter((name) => /^esbuild-[\d.]+$/.test(name));
    const executable = join(cache, "deployer", esbuildDir!, "esbuild");
    const original = readFileSync(executable);
    writeFileSync(executable, Buffer.alloc(original.length, 0x41)); // same size: only the content check can tell
    const result = run("go", { DEPLOYER_NO_CACHE: "1" });
    expect(result.stdout).toBe("ok\n");
    expect(readFileSync(executable).equals(original)).toBe(true);
  });
});
