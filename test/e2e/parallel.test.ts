// Several hosts at once on one terminal: per-host lanes, the status line, the summary, questions
// asked one host at a time, and --parallel N.
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "../fixture/sshd.ts";
import { deployer, lines } from "../helpers/deployer.ts";
import { colorOf, onScreen } from "../helpers/screen.ts";

const fixture = loadFixture();
let dir: string;
const flag = () => join(dir, "go");
const log = () => join(dir, "overlap.log");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deployer-parallel-"));
  // The hosts' user (on this same machine) reads the flag file and writes the log here.
  chmodSync(dir, 0o777);
  const hosts = fixture.hosts.map((h, i) => `class H${i} extends SSHHost {
  slug = "${h.slug}"; address = "${h.address}"; port = ${h.port}; username = "${fixture.username}";
  keyFilename = "${fixture.clientKey}"; knownHostsFilename = "${fixture.knownHosts}";
}`);
  writeFileSync(join(dir, "deploy.ts"), [
    `import { Node, ParallelNode, SSHHost, arrayOf } from "deployer";`,
    ...hosts,
    `class Cell extends ParallelNode {`,
    `  async hello() { await this.host.run("echo hello from $(hostname -I 2>/dev/null | cut -c1-0)$SSH_CONNECTION"); }`,
    `  async check() { await this.host.run(this.host.slug === "sshd1" ? "echo broken >&2; exit 3" : "echo fine"); }`,
    `  async wait() { await this.host.run("while [ ! -e ${flag()} ]; do sleep 0.05; done; echo released"); }`,
    `  async whoami() { return (await this.host.sudo("whoami", { interactive: false })).trim(); }`,
    `  async overlap() { await this.host.run("echo start >> ${log()}; sleep 0.3; echo end >> ${log()}"); }`,
    `}`,
    `export default class Root extends Node {`,
    `  Hosts = { host: [H0, H1, H2] };`,
    `  cells = arrayOf(Cell);`,
    `}`,
  ].join("\n"));
});

const run = (...args: string[]) => deployer(["run", "deploy.ts", "--non-interactive", ...args], { cwd: dir });

describe("parallel output without a terminal (cron)", () => {
  test("every line names its host; a summary lists each host; the failing one is named with its command", () => {
    const result = run("--", "cells", "check");
    expect(result.status).toBe(1);
    const out = lines(result.stdout);
    expect(out).toContain("sshd0 | $ echo fine");
    expect(out).toContain("sshd0 | fine");
    expect(out).toContain("sshd2 | fine");
    expect(out).toContain("sshd1 | broken");
    expect(out).toContain("Summary: 2 ok, 1 failed, of 3 hosts");
    expect(out.find((l) => l.includes("sshd1") && l.includes("FAILED"))).toMatch(/FAILED\s+sshd1\s+\d+\.\ds\s+exit status 3: echo broken >&2; exit 3/);
    expect(out.find((l) => /ok\s+sshd0/.test(l))).toBeDefined();
    // No cursor movement or colour without a terminal.
    expect(result.stdout).not.toContain("\x1b");
    // One line names the host, the command and its status; indented lines below point into deploy.ts.
    const [first, ...frames] = lines(result.stderr);
    expect(first).toMatch(/^deploy\.ts:\d+:\d+: Root\.cells\.check failed on 1 of 3: sshd1: Executing "echo broken >&2; exit 3" on "sshd1" failed with status code: 3$/);
    for (const frame of frames) expect(frame).toMatch(/^  at .*deploy\.ts:\d+:\d+/);
  }, 30_000);

  test("--parallel 1 works on one host at a time; the default runs them together", () => {
    const starts = (text: string) => {
      let running = 0;
      let most = 0;
      for (const line of lines(text)) {
        running += line === "start" ? 1 : -1;
        most = Math.max(most, running);
      }
      return most;
    };
    rmSync(log(), { force: true });
    expect(run("--parallel", "1", "--", "cells", "overlap").status).toBe(0);
    expect(starts(readFileSync(log(), "utf8"))).toBe(1);
    rmSync(log(), { force: true });
    expect(run("--", "cells", "overlap").status).toBe(0);
    expect(starts(readFileSync(log(), "utf8"))).toBeGreaterThan(1);
    const bad = run("--parallel", "0", "--", "cells", "overlap");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--parallel 0: not a number of hosts");
  }, 30_000);
});

describe("parallel output on a terminal", () => {
  test("a status line counts hosts while they run; each host keeps its colour", async () => {
    rmSync(flag(), { force: true });
    const s = await onScreen(["run", "deploy.ts"], { cwd: dir, env: { XDG_STATE_HOME: join(dir, "state") } });
    await s.waitForLast("Root > ");
    s.type("cells wait\r");
    await s.waitFor("[3 running, 0 done, 0 failed]");
    writeFileSync(flag(), "");
    await s.waitFor("Summary: 3 ok, 0 failed, of 3 hosts");
    await s.waitFor(/sshd2 +│ released/);
    expect(s.lines().join("\n")).not.toContain("running, ");
    const colours = fixture.hosts.map((h) => colorOf(s, `${h.slug} │ released`));
    expect(new Set(colours).size).toBe(3);
    s.type("cells check\r");
    await s.waitFor("Summary: 2 ok, 1 failed, of 3 hosts");
    // The same host, the same colour, in the next run.
    expect(colorOf(s, "sshd0 │ fine")).toBe(colours[0]);
    s.type("\x04");
    await s.exited;
    expect(existsSync(flag())).toBe(true);
  }, 40_000);

  test("sudo passwords are asked one host at a time, naming the host; one answer may serve the rest", async () => {
    const s = await onScreen(["run", "deploy.ts"], { cwd: dir, env: { XDG_STATE_HOME: join(dir, "state") } });
    await s.waitForLast("Root > ");
    s.type("cells whoami\r");
    await s.waitFor(/\[sudo\] password for deployer-test on sshd\d/);
    const screen = s.lines().join("\n");
    const asked = /on (sshd\d)/.exec(screen)![1]!;
    expect(screen).toContain(`${asked} │ asks:`);
    // Only one host asks at a time.
    expect(screen.match(/\[sudo\] password for/g)).toHaveLength(1);
    s.type(`${fixture.password}\r`);
    await s.waitFor("Use this password for the other 2 hosts of this run too?");
    s.type("y\r");
    await s.waitFor("Summary: 3 ok, 0 failed, of 3 hosts");
    const after = s.lines().join("\n");
    expect(after.match(/\[sudo\] password for/g)).toHaveLength(1);
    expect(after).not.toContain(fixture.password);
    expect(after).toMatch(/sshd0.*root/);
    expect(after).toMatch(/sshd2.*root/);
    s.type("\x04");
    await s.exited;
  }, 40_000);
});
