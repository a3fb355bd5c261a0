// Faults, through the compiled binary in cron mode: a host that is down, one that accepts TCP but
// never speaks SSH, one whose sshd dies mid-command, a command printing 200 MB, a command that never
// ends (stopped by its `timeout` or by Ctrl-C, with every process it started), a full disk on
// upload, and a sudo password that is wrong on one host of ten. Each run must end, report every
// host, exit non-zero when anything failed, and leave nothing half-written.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture, startFixture, stopFixture, type Fixture } from "../fixture/sshd.ts";
import { BINARY, lines } from "../helpers/deployer.ts";
import { hostClass } from "../helpers/hosts.ts";
import { until } from "../helpers/wait.ts";

const fixture = loadFixture();
let dir: string;
let mute: Server;
const muteSockets: Socket[] = [];
let dying: Fixture;
let downPort: number;
const full = () => join(dir, "full");
const pidFile = (name: string) => join(dir, `${name}.pid`);

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "deployer-faults-"));
  // The hosts' user (on this same machine) writes pid files here.
  chmodSync(dir, 0o777);
  // Accepts connections and never says a word.
  mute = createServer((socket) => { muteSockets.push(socket); socket.on("error", () => undefined); });
  await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
  downPort = await closedPort();
  // A host of its own, whose sshd this file kills.
  dying = await startFixture({ count: 1 });
  writeFileSync(join(dir, "big.bin"), Buffer.alloc(4 * 1024 * 1024, 1));
  // A 1 MiB file system the test user may write to.
  mkdirSync(full());
  expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0777", "tmpfs", full()]).status).toBe(0);
  const uid = Number(spawnSync("id", ["-u", fixture.username], { encoding: "utf8" }).stdout);
  chownSync(full(), uid, uid);

  const good = fixture.hosts.map((h, i) => hostClass(`H${i}`, fixture, h));
  // Ten hosts that log in with the password (and answer sudo with it); one has it wrong.
  const ten = Array.from({ length: 10 }, (_, i) => hostClass(`S${i}`, fixture, fixture.hosts[i % 3]!, {
    slug: `s${i}`, password: i === 7 ? "not-the-password" : fixture.password,
  }));
  writeFileSync(join(dir, "deploy.ts"), [
    `import { LocalHost, Node, ParallelNode, SSHHost, arrayOf } from "deployer";`,
    ...good,
    ...ten,
    `class DownHost extends SSHHost { slug = "down"; address = "127.0.0.1"; port = ${downPort}; username = "nobody"; knownHostsFilename = "${fixture.knownHosts}"; }`,
    `class MuteHost extends SSHHost { slug = "mute"; address = "127.0.0.1"; port = ${(mute.address() as { port: number }).port}; username = "nobody"; timeout = 2; knownHostsFilename = "${fixture.knownHosts}"; }`,
    hostClass("Dying", dying, dying.hosts[0]!, { slug: "dying" }),
    `class Cell extends ParallelNode {`,
    `  async hello() { await this.host.run("echo hello from $(whoami)"); }`,
    `  async die() { await this.host.run(this.host.slug === "dying" ? "echo $$ > ${pidFile("dying")}; sleep 300" : "sleep 1; echo fine"); }`,
    `  async forever() { await this.host.run(this.host.slug === "sshd1" ? "echo $$ > ${pidFile("forever")}; sleep 300 | cat; echo after" : "echo fine", { timeout: 2 }); }`,
    `  async hang() { await this.host.run(this.host.slug === "sshd1" ? "echo $$ > ${pidFile("hang")}; sleep 300 | cat; echo after" : "echo fine > ${dir}/hang-done-" + this.host.slug); }`,
    `  async flood() { await this.host.run(this.host.slug === "sshd0" ? "head -c 200000000 /dev/zero | tr '\\\\0' x; echo; yes 0123456789abcdef | head -c 1000000" : "echo small"); }`,
    `  async floodQuietly() { return (await this.host.run(this.host.slug === "sshd0" ? "head -c 200000000 /dev/zero" : "echo small", { interactive: false })).length; }`,
    `  async upload() { await this.host.putFile("${join(dir, "big.bin")}", "${full()}/" + this.host.slug + ".bin"); }`,
    `  async whoami() { await this.host.sudo("whoami"); }`,
    // As root, under sudo: the login user cannot signal these; one is started with & (which a shell
    // makes deaf to SIGINT).
    `  async sudoForever() { await this.host.sudo(this.host.slug === "s1" ? "ps -o pgid= -p $$ > ${pidFile("sudo-forever")}; sleep 300 & sleep 301; echo after" : "echo fine", { timeout: 2 }); }`,
    `  async sudoHang() { await this.host.sudo(this.host.slug === "s1" ? "ps -o pgid= -p $$ > ${pidFile("sudo-hang")}; sleep 300 & sleep 301; echo after" : "echo fine > ${dir}/sudo-hang-done-" + this.host.slug); }`,
    // What a command started with & and detached from the channel's output (deaf to SIGINT, and
    // not keeping the channel open): stopped with the command all the same.
    `  async hangDetached() { await this.host.run(["sshd1", "localhost"].includes(this.host.slug) ? "echo $$ > ${dir}/hang-detached-" + this.host.slug + ".pid; sleep 300 >/dev/null 2>&1 & sleep 301; echo after" : "echo fine > ${dir}/hang-detached-done-" + this.host.slug); }`,
    `  async sudoHangDetached() { await this.host.sudo(this.host.slug === "s1" ? "ps -o pgid= -p $$ > ${pidFile("sudo-hang-detached")}; sleep 300 >/dev/null 2>&1 & sleep 301; echo after" : "echo fine > ${dir}/sudo-hang-detached-done-" + this.host.slug); }`,
    `  async think() { console.log("thinking"); await new Promise((resolve) => setTimeout(resolve, 300_000)); }`,
    `}`,
    `class Unreachable extends Node { Hosts = { host: [H0, DownHost, H1, MuteHost, H2] }; cells = arrayOf(Cell); }`,
    `class Mortal extends Node { Hosts = { host: [H0, Dying, H2] }; cells = arrayOf(Cell); }`,
    `class Sudoers extends Node { Hosts = { host: [S0, S1, S2] }; cells = arrayOf(Cell); }`,
    `class Local extends Node { Hosts = { host: LocalHost }; cells = arrayOf(Cell); }`,
    `class Ten extends Node { Hosts = { host: [${ten.map((_, i) => `S${i}`).join(", ")}] }; cells = arrayOf(Cell); }`,
    `export default class Root extends Node {`,
    `  Hosts = { host: [H0, H1, H2] };`,
    `  cells = arrayOf(Cell);`,
    `  unreachable = Unreachable;`,
    `  mortal = Mortal;`,
    `  ten = Ten;`,
    `  sudoers = Sudoers;`,
    `  local = Local;`,
    `}`,
  ].join("\n"));
});

afterAll(async () => {
  spawnSync("umount", [full()]);
  for (const socket of muteSockets) socket.destroy();
  mute?.close();
  if (dying) await stopFixture(dying);
  rmSync(dir, { recursive: true, force: true });
});

interface Finished { status: number | null; stdout: string; stderr: string }

/** The binary in cron mode, in the background; `stdout` may go to a file instead. */
function start(args: string[], options: { stdoutFile?: string } = {}) {
  const out = options.stdoutFile ? openSync(options.stdoutFile, "w") : "pipe";
  const child = spawn(BINARY, ["run", "deploy.ts", "--non-interactive", ...args], {
    cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", out, "pipe"],
  });
  if (typeof out === "number") closeSync(out);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr!.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  const finished = new Promise<Finished>((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
  return { child, finished };
}

const run = (...args: string[]) => start(args).finished;

/** Processes in the process group `pgid` (the remote command and everything it started). */
function inGroup(pgid: number): string[] {
  return spawnSync("pgrep", ["-g", String(pgid)], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
}

/** The pid a remote command wrote to its pid file, once it has. */
async function pidFrom(name: string): Promise<number> {
  await until(() => existsSync(pidFile(name)) && readFileSync(pidFile(name), "utf8").trim() !== "", `${name}'s command to start`);
  return Number(readFileSync(pidFile(name), "utf8"));
}

const summaryLine = (out: string, host: string) => lines(out).find((l) => new RegExp(`^\\s+(ok|FAILED)\\s+${host}\\s`).test(l));

describe("hosts that cannot be reached", () => {
  test("a refused port and a host that never speaks SSH fail by name, within its timeout; the others' results are all reported", async () => {
    const result = await run("--", "unreachable", "cells", "hello");
    expect(result.status).toBe(1);
    for (const h of ["sshd0", "sshd1", "sshd2"]) {
      expect(lines(result.stdout)).toContain(`${h} | hello from ${fixture.username}`);
      expect(summaryLine(result.stdout, h)).toMatch(/^\s+ok\s/);
    }
    expect(summaryLine(result.stdout, "down")).toMatch(new RegExp(`FAILED\\s+down\\s.*connection refused by 127\\.0\\.0\\.1:${downPort}`));
    expect(summaryLine(result.stdout, "mute")).toMatch(/FAILED\s+mute\s.*timed out after 2s connecting/);
    expect(result.stdout).toContain("Summary: 3 ok, 2 failed, of 5 hosts");
    expect(lines(result.stderr)[0]).toMatch(/failed on 2 of 5: down: cannot connect to down: .*; mute: cannot connect to mute: timed out after 2s/);
  }, 60_000);
});

describe("a host that dies mid-command", () => {
  test("its sshd killed: that host fails as a lost connection, the others finish and are reported", async () => {
    const { finished } = start(["--", "mortal", "cells", "die"]);
    const pid = await pidFrom("dying");
    // The whole sshd of that host: its listener and every session.
    const tree = (root: number): number[] => [root, ...spawnSync("pgrep", ["-P", String(root)], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean).flatMap((p) => tree(Number(p)))];
    for (const p of tree(dying.pids[0]!)) process.kill(p, "SIGKILL");
    const result = await finished;
    expect(result.status).toBe(1);
    expect(summaryLine(result.stdout, "dying")).toMatch(/FAILED\s+dying\s.*connection lost while running a command/);
    for (const h of ["sshd0", "sshd2"]) {
      expect(lines(result.stdout)).toContain(`${h} | fine`);
      expect(summaryLine(result.stdout, h)).toMatch(/^\s+ok\s/);
    }
    process.kill(pid, "SIGKILL"); // the orphaned sleep, which no sshd is left to stop
  }, 60_000);
});

describe("commands that never end", () => {
  test("a per-command timeout stops the command and every process it started; the others are reported", async () => {
    const { finished } = start(["--", "cells", "forever"]);
    const pgid = await pidFrom("forever");
    expect(inGroup(pgid).length).toBeGreaterThanOrEqual(3); // bash, sleep and cat
    const result = await finished;
    expect(result.status).toBe(1);
    expect(summaryLine(result.stdout, "sshd1")).toMatch(/FAILED\s+sshd1\s.*timed out after 2s \(it and the processes it started were stopped\)/);
    expect(lines(result.stdout)).not.toContain("sshd1 | after");
    for (const h of ["sshd0", "sshd2"]) expect(summaryLine(result.stdout, h)).toMatch(/^\s+ok\s/);
    await until(() => inGroup(pgid).length === 0, "the timed-out command's processes to be gone");
  }, 60_000);

  test("Ctrl-C (SIGINT) stops the remote command and its process group, reports every host, and exits 130", async () => {
    const { child, finished } = start(["--", "cells", "hang"]);
    const pgid = await pidFrom("hang");
    await until(() => inGroup(pgid).length >= 3, "the pipeline to start");
    // The other hosts' commands have ended (their processes are gone), so only sshd1's is running.
    await until(() => ["sshd0", "sshd2"].every((h) => existsSync(join(dir, `hang-done-${h}`))), "the other hosts' commands to run");
    await until(() => spawnSync("pgrep", ["-f", "hang-done-sshd[02]"]).status !== 0, "the other hosts' commands to end");
    await Bun.sleep(300);
    child.kill("SIGINT");
    const result = await finished;
    expect(result.status).toBe(130);
    expect(result.stderr).toContain("SIGINT: stopping 1 running command");
    expect(lines(result.stderr).at(1)).toMatch(/Root\.cells\.hang failed on 1 of 3: sshd1: .* was stopped by SIGINT$/);
    expect(summaryLine(result.stdout, "sshd1")).toMatch(/FAILED\s+sshd1\s.*stopped by SIGINT/);
    for (const h of ["sshd0", "sshd2"]) expect(summaryLine(result.stdout, h)).toMatch(/^\s+ok\s/);
    await until(() => inGroup(pgid).length === 0, "the interrupted command's processes to be gone");
  }, 60_000);
});

describe("what an interrupted command started with &, away from its output", () => {
  // Such a process is deaf to SIGINT and does not keep the channel open, so the command ends at
  // Ctrl-C while it runs on; what is left of the command's process group gets SIGTERM before the run ends.
  const cases = [
    { name: "a command", args: ["cells", "hangDetached"], pid: "hang-detached-sshd1", done: "hang-detached-done", others: ["sshd0", "sshd2"] },
    { name: "a local command", args: ["local", "cells", "hangDetached"], pid: "hang-detached-localhost", done: "", others: [] },
    { name: "a sudo'd command (its processes run as root)", args: ["sudoers", "cells", "sudoHangDetached"], pid: "sudo-hang-detached", done: "sudo-hang-detached-done", others: ["s0", "s2"] },
  ];
  for (const { name, args, pid, done, others } of cases) {
    test(`${name}: stopped with it by Ctrl-C`, async () => {
      const { child, finished } = start(["--", ...args]);
      const pgid = await pidFrom(pid);
      await until(() => inGroup(pgid).length >= 3, "both sleeps to start");
      await until(() => others.every((h) => existsSync(join(dir, `${done}-${h}`))), "the other hosts' commands to run");
      await Bun.sleep(300);
      child.kill("SIGINT");
      const result = await finished;
      expect(result.status).toBe(130);
      await until(() => inGroup(pgid).length === 0, "the background sleep to be gone");
    }, 60_000);
  }
});

describe("commands that run as root", () => {
  test("a sudo'd command's timeout stops what runs as root under it, through sudo, and what it started with &", async () => {
    const { finished } = start(["--", "sudoers", "cells", "sudoForever"]);
    const pgid = await pidFrom("sudo-forever");
    await until(() => inGroup(pgid).length >= 2, "the root sleeps to start");
    expect(spawnSync("ps", ["-o", "user=", "-g", String(pgid)], { encoding: "utf8" }).stdout).toContain("root");
    const result = await finished;
    expect(result.status).toBe(1);
    expect(summaryLine(result.stdout, "s1")).toMatch(/FAILED\s+s1\s.*timed out after 2s/);
    for (const h of ["s0", "s2"]) expect(summaryLine(result.stdout, h)).toMatch(/^\s+ok\s/);
    await until(() => inGroup(pgid).length === 0, "the root processes to be gone");
  }, 60_000);

  test("Ctrl-C stops them too; what was started with & (deaf to SIGINT) gets SIGTERM 3 s later, and the run ends", async () => {
    const { child, finished } = start(["--", "sudoers", "cells", "sudoHang"]);
    const pgid = await pidFrom("sudo-hang");
    await until(() => inGroup(pgid).length >= 2, "the root sleeps to start");
    await until(() => ["s0", "s2"].every((h) => existsSync(join(dir, `sudo-hang-done-${h}`))), "the other hosts' commands to run");
    await Bun.sleep(300);
    child.kill("SIGINT");
    const result = await finished;
    expect(result.status).toBe(130);
    expect(summaryLine(result.stdout, "s1")).toMatch(/FAILED\s+s1\s.*stopped by SIGINT/);
    await until(() => inGroup(pgid).length === 0, "the root processes to be gone");
  }, 60_000);
});

describe("Ctrl-C between commands", () => {
  test("with no command running (the action waits in deploy.ts), Ctrl-C exits at once with 130", async () => {
    const { child, finished } = start(["--", "cells", "think"]);
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => { out += chunk.toString(); });
    await until(() => out.includes("thinking"), "the action to start");
    child.kill("SIGINT");
    const result = await finished;
    expect(result.status).toBe(130);
    expect(result.stderr).toContain("SIGINT: stopped");
  }, 60_000);
});

describe("a command that prints 200 MB", () => {
  test("shown in lanes: every byte arrives, prefixed, in pieces when there is no newline; the other hosts are reported", async () => {
    const file = join(dir, "flood.out");
    const result = await start(["--", "cells", "flood"], { stdoutFile: file }).finished;
    expect(result.status).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(200_000_000);
    const text = readFileSync(file, "utf8");
    expect(text.slice(-2000)).toContain("Summary: 3 ok, 0 failed, of 3 hosts");
    // The other hosts' lines are there, wherever the flood put them.
    for (const h of ["sshd1", "sshd2"]) expect(text).toContain(`\n${h} | small\n`);
    const head = text.slice(0, 200_000).split("\n");
    // A line with no end is shown in long pieces, each with its host's prefix.
    const pieces = head.filter((l) => l.startsWith("sshd0 | xxxx"));
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece).toMatch(/^sshd0 \| x+$/);
    rmSync(file);
  }, 120_000);

  test("captured quietly: the action gets all 200 MB", async () => {
    const result = await run("--", "cells", "floodQuietly");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("sshd0: 200000000");
    expect(result.stdout).toContain("sshd1: 6");
  }, 120_000);
});

describe("a full disk on upload", () => {
  test("fails by host and path, and leaves neither the file nor a temporary file behind", async () => {
    const result = await run("--", "cells", "upload");
    expect(result.status).toBe(1);
    for (const h of ["sshd0", "sshd1", "sshd2"]) expect(summaryLine(result.stdout, h)).toMatch(new RegExp(`FAILED\\s+${h}\\s.*cannot write ${full()}/${h}\\.bin on ${h}: no space left`));
    expect(readdirSync(full())).toEqual([]);
  }, 60_000);
});

describe("sudo", () => {
  test("a wrong password on one host of ten fails that host only, promptly; the nine others report root", async () => {
    const result = await run("--", "ten", "cells", "whoami");
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("Summary: 9 ok, 1 failed, of 10 hosts");
    expect(summaryLine(result.stdout, "s7")).toMatch(/FAILED\s+s7\s.*sudo on s7 refused the password/);
    for (const i of [0, 1, 2, 3, 4, 5, 6, 8, 9]) expect(summaryLine(result.stdout, `s${i}`)).toMatch(/^\s+ok\s/);
    for (const i of [0, 1, 2, 3, 4, 5, 6, 8, 9]) expect(lines(result.stdout)).toContain(`s${i} | root`);
    expect(result.stdout).not.toContain("not-the-password");
    expect(result.stderr).not.toContain("not-the-password");
  }, 60_000);
});
