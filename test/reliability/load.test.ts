// Load (issue 10, point 2), through the compiled binary: 100 hosts in one run, 20 actions in a row
// on 50 hosts over the same connections, and 10 shells on one `listen` server at once. Open file
// descriptors are counted before and after (a leak grows them with every round or every client);
// peak memory is printed here and recorded by `npm run bench` (README, Performance), not asserted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "../fixture/sshd.ts";
import { BINARY, deployer, lines } from "../helpers/deployer.ts";
import { hostClass } from "../helpers/hosts.ts";
import { onScreen, type Screen } from "../helpers/screen.ts";
import { until } from "../helpers/wait.ts";

const fixture = loadFixture();
let dir: string;
let env: Record<string, string>;

/** `count` host classes spread over the fixture's sshd hosts (each its own connection). */
function hosts(prefix: string, count: number): { classes: string[]; names: string[] } {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const classes = names.map((name, i) => hostClass(name.toUpperCase(), fixture, fixture.hosts[i % fixture.hosts.length]!, { slug: name }));
  return { classes, names };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deployer-load-"));
  const hundred = hosts("h", 100);
  const fifty = hundred.names.slice(0, 50).map((n) => n.toUpperCase());
  const three = hundred.names.slice(0, 3).map((n) => n.toUpperCase());
  writeFileSync(join(dir, "deploy.ts"), [
    `import { readdirSync } from "node:fs";`,
    `import { Node, ParallelNode, SSHHost, arrayOf } from "deployer";`,
    ...hundred.classes,
    `const fds = () => readdirSync("/proc/self/fd").length;`,
    `class Cell extends ParallelNode {`,
    `  async hello() { await this.host.run("echo hello from $(whoami)"); }`,
    `  async quiet() { return (await this.host.run("echo $PPID", { interactive: false })).trim(); }`,
    `}`,
    `class Fifty extends Node {`,
    `  Hosts = { host: [${fifty.join(", ")}] };`,
    `  cells = arrayOf(Cell);`,
    // 20 rounds of an action on every host; after each, the open fds, the RSS and the sshd session
    // (remote $PPID) of every host.
    `  async rounds() {`,
    `    const report = [];`,
    `    const seen = new Set();`,
    `    for (let round = 1; round <= 20; round++) {`,
    `      const result = await this.cells.quiet();`,
    `      for (const session of result.values()) seen.add(session);`,
    `      report.push({ round, fds: fds(), rss: process.memoryUsage().rss, sessions: new Set(result.values()).size, seen: seen.size });`,
    `    }`,
    `    return JSON.stringify(report);`,
    `  }`,
    `}`,
    `class Hundred extends Node { Hosts = { host: [${hundred.names.map((n) => n.toUpperCase()).join(", ")}] }; cells = arrayOf(Cell); }`,
    `export default class Root extends Node {`,
    `  Hosts = { host: [${three.join(", ")}] };`,
    `  cells = arrayOf(Cell);`,
    `  fifty = Fifty;`,
    `  hundred = Hundred;`,
    `  async fds() { return \`fds=\${fds()}\`; }`,
    `}`,
  ].join("\n"));
  env = { XDG_STATE_HOME: join(dir, "state"), XDG_RUNTIME_DIR: join(dir, "run"), TMUX: "", NO_COLOR: "1" };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("many hosts", () => {
  test("one run on 100 hosts reports all 100", () => {
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", "hundred", "cells", "hello"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Summary: 100 ok, 0 failed, of 100 hosts");
    const greeted = lines(result.stdout).filter((l) => / \| hello from /.test(l));
    expect(new Set(greeted.map((l) => l.split(" ")[0])).size).toBe(100);
  }, 120_000);

  test("20 actions in a row on 50 hosts reuse the 50 connections; open files stay the same from round to round", () => {
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", "fifty", "rounds"], { cwd: dir });
    expect(result.stderr).toBe("");
    const report = JSON.parse(lines(result.stdout).at(-1)!) as Array<{ round: number; fds: number; rss: number; sessions: number; seen: number }>;
    expect(report).toHaveLength(20);
    // One sshd session per host (a host's remote $PPID is its session), and the same 50 every round.
    for (const r of report) expect([r.sessions, r.seen]).toEqual([50, 50]);
    // The first round opens the connections; no later round opens anything for good.
    const fds = report.map((r) => r.fds);
    expect(new Set(fds.slice(1)).size).toBe(1);
    expect(fds[1]!).toBeGreaterThanOrEqual(50);
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    process.stdout.write(`  50 hosts x 20 rounds: ${fds[1]} fds each round; RSS ${mib(report[1]!.rss)} MiB after round 2, ${mib(report[19]!.rss)} MiB after round 20\n`);
  }, 120_000);
});

describe("10 shells on one listen server", () => {
  test("all run actions at once on shared connections; when they leave, the server holds no more files than before", async () => {
    const socket = join(dir, "load.sock");
    const server = Bun.spawn([BINARY, "listen", "deploy.ts", "--socket", socket], { cwd: dir, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    let log = "";
    void (async () => { for await (const chunk of server.stdout) log += new TextDecoder().decode(chunk); })();
    const serverFds = () => readdirSync(`/proc/${server.pid}/fd`).length;
    const serverRss = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))?.[1] ?? 0);
    try {
      await until(() => log.includes("Listening on"), "the server to listen");
      // A first shell opens the hosts' connections (they stay open for the session).
      const first = await onScreen(["connect", "--socket", socket], { cwd: dir, env, cols: 120 });
      await first.waitForLast("Root > ");
      first.type("cells hello\r");
      await first.waitFor("Summary: 3 ok, 0 failed, of 3 hosts");
      await first.waitForLast("Root > ");
      first.type("exit\r");
      await first.exited;
      await until(() => log.includes("left"), "the first shell to leave");
      const before = serverFds();

      const shells: Screen[] = [];
      for (let i = 0; i < 10; i++) shells.push(await onScreen(["connect", "--socket", socket], { cwd: dir, env, cols: 120 }));
      await Promise.all(shells.map((s) => s.waitForLast("Root > ")));
      // Every shell starts an action at once; each sees its own summary and its own three hosts.
      for (const s of shells) s.type("cells hello\r");
      await Promise.all(shells.map((s) => s.waitFor("Summary: 3 ok, 0 failed, of 3 hosts")));
      for (const s of shells) {
        const screen = s.lines().join("\n");
        for (const h of ["h0", "h1", "h2"]) expect(screen).toContain(`${h} | hello from ${fixture.username}`);
      }
      const during = serverFds();
      for (const s of shells) s.type("exit\r");
      await Promise.all(shells.map((s) => s.exited));
      await until(() => (log.match(/left/g) ?? []).length >= 11, "every shell to leave");
      await until(() => serverFds() === before, `the server's open files to go back to ${before} (now ${serverFds()})`);
      expect(during).toBeGreaterThan(before);
      process.stdout.write(`  listen server: ${before} fds idle, ${during} with 10 shells, ${serverFds()} after; peak RSS ${(serverRss() / 1024).toFixed(1)} MiB\n`);
    } finally {
      server.kill("SIGTERM");
      await server.exited;
    }
  }, 180_000);
});
