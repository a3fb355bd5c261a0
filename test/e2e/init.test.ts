import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ROOT, deployer, lines, project } from "../helpers/deployer.ts";

/** The repository's tsc, type-checking the project whose tsconfig.json is in `dir`. */
function tsc(dir: string): { status: number | null; output: string } {
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", dir], { cwd: dir, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** The starter deploy.ts, as `deployer init` writes it. */
function starter(): string {
  const dir = project({});
  expect(deployer(["init"], { cwd: dir }).status).toBe(0);
  return readFileSync(join(dir, "deploy.ts"), "utf8");
}

describe("deployer init", () => {
  test("writes a starter deploy.ts, a tsconfig.json and the type declarations, and says how to run it", () => {
    const dir = project({});
    const run = deployer(["init"], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toEqual([
      "wrote deploy.ts (a starter: read its comments)",
      expect.stringMatching(/^wrote node_modules\/deployer \(type declarations of deployer [\d.]+, for editors\)$/),
      "wrote tsconfig.json",
      "Try it: deployer run deploy.ts --non-interactive -- hello   (or deployer run deploy.ts for the shell)",
    ]);
    const deploy = readFileSync(join(dir, "deploy.ts"), "utf8");
    for (const topic of ["deployer run deploy.ts", "-- hello", "ParallelNode", "sudo", "putFile", "Roles", "SSHHost"]) expect(deploy).toContain(topic);
    expect(existsSync(join(dir, "node_modules", "deployer", "index.d.ts"))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "node_modules", "deployer", "package.json"), "utf8"))).toMatchObject({ name: "deployer", types: "index.d.ts" });
  });

  test("the starter's hello action runs right after init, on this machine only", () => {
    const dir = project({});
    deployer(["init"], { cwd: dir });
    const run = deployer(["run", "deploy.ts", "--non-interactive", "--", "hello"], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toEqual(["           localhost echo 'hello world'", "hello world"]);
    const named = deployer(["run", "deploy.ts", "--non-interactive", "--", "hello", "it's me"], { cwd: dir });
    expect(lines(named.stdout).at(-1)).toBe("hello it's me");
  });

  test("refuses to overwrite an existing file with one line and exit 2, and --force overwrites it", () => {
    const dir = project({ "deploy.ts": "// mine\n" });
    const refused = deployer(["init"], { cwd: dir });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe("deployer: deploy.ts already exists: use --force to overwrite it\n");
    expect(readFileSync(join(dir, "deploy.ts"), "utf8")).toBe("// mine\n");
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
    const forced = deployer(["init", "--force"], { cwd: dir });
    expect(forced.status).toBe(0);
    expect(readFileSync(join(dir, "deploy.ts"), "utf8")).toContain("export default class Root extends Node");
  });

  test("init FILE names the file in its comments and keeps a tsconfig.json already there", () => {
    const dir = project({});
    mkdirSync(join(dir, "ops"));
    writeFileSync(join(dir, "ops", "tsconfig.json"), "{}\n");
    const run = deployer(["init", "ops/site.ts"], { cwd: dir });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("wrote ops/node_modules/deployer ");
    expect(run.stdout).toContain(`kept ops/tsconfig.json (already there; "deployer" needs "moduleResolution": "bundler" (or "node16"))`);
    expect(readFileSync(join(dir, "ops", "tsconfig.json"), "utf8")).toBe("{}\n");
    expect(readFileSync(join(dir, "ops", "site.ts"), "utf8")).toContain("deployer run site.ts --non-interactive -- hello");
    expect(deployer(["run", "site.ts", "--non-interactive", "--", "hello"], { cwd: join(dir, "ops") }).status).toBe(0);
  });
});

test("the README's init transcript is what init and the starter print", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const transcript = readme.split("**Starting a project; editor types.**")[1]!.split("```")[1]!.trim().split("\n");
  const dir = project({});
  const shown: string[] = [];
  for (const line of transcript) {
    if (!line.startsWith("$ deployer ")) continue;
    const run = deployer(line.slice("$ deployer ".length).split(" "), { cwd: dir });
    expect(run.status).toBe(0);
    shown.push(line, ...lines(run.stdout));
  }
  const anyVersion = (text: string) => text.replace(/deployer \d+\.\d+\.\d+/g, "deployer X");
  expect(shown.map(anyVersion)).toEqual(transcript.map(anyVersion));
});

describe("deployer types", () => {
  test("writes declarations with which tsc type-checks the starter cleanly and reports an injected error", () => {
    const dir = project({ "deploy.ts": starter() });
    const run = deployer(["types"], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(lines(run.stdout)[1]).toBe("wrote tsconfig.json");
    expect(tsc(dir)).toEqual({ status: 0, output: "" });

    // The declarations stand alone: no @types/node, and checked themselves too.
    const tsconfig = readFileSync(join(dir, "tsconfig.json"), "utf8");
    writeFileSync(join(dir, "tsconfig.json"), tsconfig.replace(`"skipLibCheck": true`, `"skipLibCheck": false`));
    expect(tsc(dir)).toEqual({ status: 0, output: "" });

    const source = readFileSync(join(dir, "deploy.ts"), "utf8");
    writeFileSync(join(dir, "deploy.ts"), source.replace(`this.host.run("uptime")`, "this.host.run(42)"));
    const broken = tsc(dir);
    expect(broken.status).not.toBe(0);
    expect(broken.output).toMatch(/^deploy\.ts\(\d+,\d+\): error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'\.$/);
  });

  test("writes into DIR, replaces its own earlier copy, and refuses another package unless --force", () => {
    const dir = project({});
    expect(deployer(["types", "."], { cwd: dir }).status).toBe(0);
    writeFileSync(join(dir, "node_modules", "deployer", "stale.d.ts"), "export {};\n");
    const again = deployer(["types"], { cwd: dir });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("kept tsconfig.json\n");
    expect(existsSync(join(dir, "node_modules", "deployer", "stale.d.ts"))).toBe(false);

    const other = project({});
    mkdirSync(join(other, "node_modules", "deployer"), { recursive: true });
    writeFileSync(join(other, "node_modules", "deployer", "package.json"), `{"name":"deployer","version":"9.9.9"}`);
    const refused = deployer(["types", other]);
    expect(refused.status).toBe(2);
    expect(lines(refused.stderr)).toEqual([`deployer: ${join(other, "node_modules", "deployer")} holds another package (not written by deployer): use --force to replace it`]);
    expect(existsSync(join(other, "tsconfig.json"))).toBe(false);
    expect(deployer(["types", "--force", other]).status).toBe(0);
    expect(existsSync(join(other, "node_modules", "deployer", "index.d.ts"))).toBe(true);

    const missing = deployer(["types", "no-such-dir"], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("deployer: no-such-dir: no such directory\n");
  });

  test("the binary alone, with nothing on PATH, writes the same declarations", () => {
    const alone = mkdtempSync(join(tmpdir(), "deployer-alone-"));
    for (const sub of ["bin", "home", "work"]) mkdirSync(join(alone, sub));
    copyFileSync(BINARY, join(alone, "deployer"));
    const env = { PATH: join(alone, "bin"), HOME: join(alone, "home") };
    const run = deployer(["init"], { cwd: join(alone, "work"), env, binary: join(alone, "deployer") });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const reference = project({});
    deployer(["types"], { cwd: reference });
    const index = (dir: string) => readFileSync(join(dir, "node_modules", "deployer", "index.d.ts"), "utf8");
    expect(index(join(alone, "work"))).toBe(index(reference));
    expect(tsc(join(alone, "work"))).toEqual({ status: 0, output: "" });
  });
});
