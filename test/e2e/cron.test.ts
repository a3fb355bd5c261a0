import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, lines, project } from "../helpers/deployer.ts";

/** Run the binary the way cron does: a new session, no terminal, stdin from /dev/null, output to a pipe. */
function cron(args: string[], cwd: string) {
  const result = spawnSync("setsid", ["-w", BINARY, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const deploy = [
  `import { Node, LocalHost } from "deployer";`,
  `export default class Root extends Node {`,
  `  Hosts = { host: LocalHost };`,
  `  async ok() { await this.hosts.run("echo all good"); this.console.warning("a warning"); }`,
  `  async fails() { await this.hosts.run("echo trying; exit 3"); }`,
  `  async asks() { return await this.console.input("Which version"); }`,
  `  async asksWithDefault() { return await this.console.input("Which version", { default: "v1" }); }`,
  `}`,
].join("\n");

test("a cron run of a good action exits 0 and prints no colour or cursor codes", () => {
  const run = cron(["run", "deploy.ts", "--non-interactive", "--", "ok"], project({ "deploy.ts": deploy }));
  expect(run.status).toBe(0);
  expect(run.stdout).toContain("all good");
  expect(run.stdout).toContain("a warning");
  expect(run.stdout + run.stderr).not.toContain("\x1b");
});

test("a failing action exits 1 with one line naming the host, the command and the status", () => {
  const run = cron(["run", "deploy.ts", "--non-interactive", "--", "fails"], project({ "deploy.ts": deploy }));
  expect(run.status).toBe(1);
  expect(lines(run.stderr)[0]).toMatch(/Root\.fails failed: Executing "echo trying; exit 3" on "localhost" failed with status code: 3$/);
});

test("a question never waits: it takes its default, or fails naming the question", () => {
  const dir = project({ "deploy.ts": deploy });
  const withDefault = cron(["run", "deploy.ts", "--non-interactive", "--", "asksWithDefault"], dir);
  expect(withDefault.status).toBe(0);
  expect(lines(withDefault.stdout).at(-1)).toBe("v1");
  const without = cron(["run", "deploy.ts", "--non-interactive", "--", "asks"], dir);
  expect(without.status).toBe(1);
  expect(lines(without.stderr)[0]).toContain("Which version");
});

test("usage and script errors exit 2", () => {
  expect(cron(["run", "deploy.ts", "--non-interactive", "--bogus"], project({ "deploy.ts": deploy })).status).toBe(2);
  expect(cron(["run", "missing.ts", "--non-interactive", "--", "ok"], project({})).status).toBe(2);
});

test("--log writes one JSON line per command: host, command, status, duration", () => {
  const dir = project({ "deploy.ts": deploy });
  const log = join(dir, "logs", "deploy.jsonl");
  cron(["run", "deploy.ts", "--non-interactive", "--log", log, "--", "ok"], dir);
  cron(["run", "deploy.ts", "--non-interactive", "--log", log, "--", "fails"], dir);
  expect(existsSync(log)).toBe(true);
  const records = readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line));
  expect(records.map((r) => [r.host, r.command, r.exitStatus, r.sudo, r.sandbox])).toEqual([
    ["localhost", "echo all good", 0, false, false],
    ["localhost", "echo trying; exit 3", 3, false, false],
  ]);
  expect(records.every((r) => typeof r.durationMs === "number" && !Number.isNaN(Date.parse(r.time)))).toBe(true);
  const bad = cron(["run", "deploy.ts", "--non-interactive", "--log", "/proc/nope/x.log", "--", "ok"], dir);
  expect(bad.status).toBe(2);
  expect(lines(bad.stderr)).toEqual([expect.stringMatching(/^deployer: --log \/proc\/nope\/x\.log: /)]);
});

