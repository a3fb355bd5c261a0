// Benchmark: one command on many hosts at once (fan-out), and many commands over open connections
// (warm repeat), on a loopback sshd fixture: deployer's binary against OpenSSH and bare ssh2.
//
//   ./node_modules/.bin/bun bench/fanout.ts [--runs 5] [--sizes 1,10,50,100] [--quick]
//                                           [--only fan-out|warm-repeat] [--hosts 50] [--rounds 20]
//
// Needs root (it starts the fixture) and dist/deployer (`npm run build`). Reports wall time, CPU time
// and peak RSS, and ratios measured in the same run; it never passes or fails on a timing, only on
// a wrong answer. See bench/README.md for what each timing includes.
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ensurePrerequisites, killStaleFixtures, startFixture, stopFixture, type Fixture } from "../test/fixture/sshd.ts";
import { formatReport, median, type BenchOptions, type Ratio, type Row, type ScenarioReport } from "./_report.ts";
import { Teardown } from "./transfer.ts";

const ROOT = path.join(import.meta.dir, "..");
const DEPLOYER = path.join(ROOT, "dist", "deployer");
const BUN = process.execPath;
const BARE_SCRIPT = path.join(import.meta.dir, "_bare_ssh2.ts");
const TIME = "/usr/bin/time";
const SSHD = "/usr/sbin/sshd";
const RESULTS_DIR = path.join(import.meta.dir, "results");
const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
const hasTime = fs.existsSync(TIME);

/** A host as the generated files name it. */
interface Target {
  slug: string;
  address: string;
  port: number;
}

/** What a scenario runs against: the fixture, a temp dir, the binary. */
interface Bench {
  fixture: Fixture;
  dir: string;
  /** A copy of dist/deployer taken at the start, so a rebuild during the run cannot mix two binaries. */
  deployer: string;
  /** When that dist/deployer was built, for the notes. */
  deployerBuilt: string;
  hostname: string; // what `uname -n` answers on every host (they are all this machine)
  /** Failures that a second try got past, for the notes. */
  retries: string[];
}

// ---------------------------------------------------------------------------
// Setup and teardown.

const children = new Set<number>(); // process groups of the commands running now

/** Starts a fixture of `count` hosts and a temp dir, runs `fn`, and cleans up after it, also on a signal. */
async function withBench<T>(count: number, fn: (bench: Bench) => Promise<T>): Promise<T> {
  const teardown = new Teardown();
  const handlers = Object.entries(SIGNALS).map(([name, number]) => {
    const handler = () => {
      process.stderr.write(`\nbench: ${name}, cleaning up\n`);
      void teardown.run().finally(() => process.exit(128 + number));
    };
    process.once(name, handler);
    return [name, handler] as const;
  });
  try {
    killStaleFixtures();
    await ensurePrerequisites();
    if (!fs.existsSync(DEPLOYER)) throw new Error(`bench: ${DEPLOYER} is missing: run \`npm run build\` first`);
    const fixture = await startFixture({ count });
    teardown.add(() => stopFixture(fixture));
    for (const h of fixture.hosts) if (!h.address.startsWith("127.")) throw new Error(`bench: refusing a non-loopback host ${h.address}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deployer-bench-fanout-"));
    teardown.add(() => fs.rmSync(dir, { recursive: true, force: true }));
    teardown.add(() => killChildren()); // before the fixture and the files go
    const deployer = path.join(dir, "deployer");
    const deployerBuilt = fs.statSync(DEPLOYER).mtime.toISOString();
    fs.copyFileSync(DEPLOYER, deployer);
    fs.chmodSync(deployer, 0o755);
    return await fn({ fixture, dir, deployer, deployerBuilt, hostname: os.hostname(), retries: [] });
  } finally {
    await teardown.run();
    for (const [name, handler] of handlers) process.off(name, handler);
  }
}

/** SIGTERM to each process group (default: every command still running). */
function killChildren(groups: Iterable<number> = children): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

/** One finished command: wall seconds, CPU seconds (user + sys of its whole tree), peak RSS (KiB, the largest process of the tree). */
interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakRssKb: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

let measureCount = 0;

/** Runs `argv` in its own process group under /usr/bin/time (else Bun's rusage) and measures it. */
async function measure(argv: string[], options: { cwd: string; input?: string }): Promise<Measured> {
  const timeFile = path.join(options.cwd, `time-${measureCount++}.txt`);
  const full = hasTime ? [TIME, "-f", "%U %S %M", "-o", timeFile, ...argv] : argv;
  const start = performance.now();
  const proc = Bun.spawn(full, {
    cwd: options.cwd, detached: true,
    stdin: options.input === undefined ? "ignore" : new Blob([options.input]), stdout: "pipe", stderr: "pipe",
  });
  children.add(proc.pid);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const seconds = (performance.now() - start) / 1000;
  children.delete(proc.pid);
  if (hasTime) {
    const last = fs.readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!; // after any "Command exited with…" line
    fs.rmSync(timeFile, { force: true });
    const [user, sys, rss] = last.split(" ").map(Number);
    return { seconds, cpuSeconds: user! + sys!, peakRssKb: rss!, exitCode, stdout, stderr };
  }
  const usage = proc.resourceUsage()!;
  return { seconds, cpuSeconds: Number(usage.cpuTime.total) / 1e6, peakRssKb: usage.maxRSS / 1024, exitCode, stdout, stderr };
}

function failed(what: string, m: Measured, why: string): Error {
  const tail = (m.stderr || m.stdout).trim().split("\n").slice(-5).join("\n");
  return new Error(`bench: ${what}: ${why} (exit ${m.exitCode})${tail ? `\n${tail}` : ""}`);
}

/**
 * Runs `fn`; after a failure, tries once more, and notes the failure for the report. The machine is
 * shared: another run's processes can disturb one of ours. A second failure stops the benchmark.
 */
async function retryOnce<T>(bench: Bench, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const reason = (error as Error).message.replace(/^bench: /, "").split("\n").slice(0, 4).join(" / ") + sshdClues(bench);
    bench.retries.push(`${what}: ${reason}`);
    process.stderr.write(`bench: ${what} failed, trying once more: ${reason}\n`);
    return await fn();
  }
}

/** The last few lines of the fixture's sshd logs that say something went wrong. */
function sshdClues(bench: Bench): string {
  const lines = bench.fixture.hosts.flatMap((h) => {
    try {
      return fs.readFileSync(path.join(bench.fixture.dir, `${h.slug}.log`), "utf8").split("\n")
        .filter((l) => /\b(error|fatal)\b|signal/i.test(l) && !l.includes("kex_exchange_identification")).map((l) => `${h.slug}: ${l}`);
    } catch {
      return [];
    }
  });
  return lines.length ? ` (sshd logs: ${lines.slice(-3).join(" / ")})` : "";
}

// ---------------------------------------------------------------------------
// Generated inputs: a deploy.ts for the binary, a targets file for the bare script.

const targetsOf = (fixture: Fixture, n: number): Target[] => fixture.hosts.slice(0, n).map(({ slug, address, port }) => ({ slug, address, port }));

/** A deploy.ts with one SSHHost class per target and a ParallelNode array over them, as a user would write it. */
function writeDeployFile(file: string, fixture: Fixture, targets: Target[], knownHosts = fixture.knownHosts): string {
  const hosts = targets.map((t, i) => `class H${i} extends SSHHost {
  slug = ${JSON.stringify(t.slug)}; address = ${JSON.stringify(t.address)}; port = ${t.port};
  username = USER; keyFilename = KEY; knownHostsFilename = KNOWN_HOSTS; configFilename = ""; lookForKeys = false;
}`);
  fs.writeFileSync(file, `// Generated by bench/fanout.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { Node, ParallelNode, SSHHost, child } from "deployer";

const USER = ${JSON.stringify(fixture.username)};
const KEY = ${JSON.stringify(fixture.clientKey)};
const KNOWN_HOSTS = ${JSON.stringify(knownHosts)};
${hosts.join("\n")}

/** One cell per host, all at once. */
class Cell extends ParallelNode {
  async run_true() { await this.host.run("true", { interactive: false }); }
  async run_uname() { return (await this.host.run("uname -n", { interactive: false })).trim(); }
  async run_true_and_close() { await this.host.run("true", { interactive: false }); await this.host.instance.close(); }
}

export default class Bench extends Node {
  cells = child(class Cells extends Cell.Array { Hosts = { host: [${targets.map((_, i) => `H${i}`).join(", ")}] }; });

  /** \`true\` on every host, ROUNDS times over open connections, then ROUNDS times reconnecting each time; timings to OUT. */
  async warm_repeat(rounds: string, out: string) {
    // Non-idle CPU seconds of the whole machine (all cores; /proc/stat counts in 1/100 s).
    const busy = () => {
      const ticks = readFileSync("/proc/stat", "utf8").split("\\n")[0].trim().split(/\\s+/).slice(1, 9).map(Number);
      return (ticks.reduce((a, b) => a + b, 0) - ticks[3] - ticks[4]) / 100;
    };
    const phase = async (step: () => Promise<unknown>) => {
      const seconds: number[] = [];
      const [cpu, busy0] = [process.cpuUsage(), busy()];
      for (let i = 0; i < Number(rounds); i++) {
        const start = performance.now();
        await step();
        seconds.push((performance.now() - start) / 1000);
      }
      const used = process.cpuUsage(cpu);
      return { seconds, cpuSeconds: (used.user + used.system) / 1e6, busySeconds: busy() - busy0 };
    };
    await this.cells.run_true(); // connect every host first
    const reuse = await phase(() => this.cells.run_true());
    await this.cells.run_true_and_close(); // so that every round below connects
    const reconnect = await phase(() => this.cells.run_true_and_close());
    writeFileSync(out, JSON.stringify({ reuse, reconnect }));
  }
}
`);
  return file;
}

function writeTargetsFile(file: string, fixture: Fixture, targets: Target[], knownHosts = fixture.knownHosts): string {
  fs.writeFileSync(file, JSON.stringify({ username: fixture.username, key: fixture.clientKey, knownHosts, hosts: targets.map(({ address, port }) => ({ address, port })) }));
  return file;
}

/** Compiles _bare_ssh2.ts into an executable with build.ts's options for dist/deployer (bytecode, minified syntax and whitespace). */
async function compileBare(dir: string): Promise<string> {
  const outfile = path.join(dir, "bare-ssh2");
  const result = await Bun.build({
    entrypoints: [BARE_SCRIPT], compile: { outfile }, target: "bun", bytecode: true, format: "esm",
    minify: { syntax: true, whitespace: true, identifiers: false },
  } as Parameters<typeof Bun.build>[0]);
  if (!result.success) throw new Error(`bench: cannot compile ${BARE_SCRIPT}: ${result.logs.join("\n")}`);
  return outfile;
}

// ---------------------------------------------------------------------------
// What each client negotiates: one connection each to a separate `sshd -d -d` (one connection, then it
// exits) with the fixture's config, whose DEBUG2 log names the algorithms offered and chosen.

interface Negotiated {
  kex: string;
  hostKey: string;
  cipher: string; // client->server; server->client is checked to be the same
  mac: string;
  /** The ciphers the client offered, in its order. */
  offered: string;
}

const sshBase = (fixture: Fixture, knownHosts: string) => [
  "-F", "none", "-i", fixture.clientKey, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
  "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes",
];

/** ssh options pinning what deployer negotiated. */
function pinned(n: Negotiated): string[] {
  const mac = n.mac === "<implicit>" ? [] : ["-o", `MACs=${n.mac}`];
  return ["-o", `KexAlgorithms=${n.kex}`, "-o", `HostKeyAlgorithms=${n.hostKey}`, "-o", `Ciphers=${n.cipher}`, ...mac];
}

function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host: address, port: 0, exclusive: true }, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Connects `client` (given a target and its known_hosts file) to a one-shot debug sshd; returns what was chosen. */
async function negotiate(bench: Bench, label: string, client: (target: Target, knownHosts: string) => string[]): Promise<Negotiated> {
  const { fixture, dir } = bench;
  const host = fixture.hosts[0]!;
  const slug = `probe-${label.replace(/\W+/g, "-")}`;
  const port = await freePort(host.address);
  const config = path.join(dir, `${slug}_config`);
  const log = path.join(dir, `${slug}.log`);
  const base = fs.readFileSync(path.join(fixture.dir, `${host.slug}_config`), "utf8");
  fs.writeFileSync(config, base
    .replace(/^ListenAddress .*$/m, `ListenAddress ${host.address}:${port}`)
    .replace(/^PidFile .*$/m, `PidFile ${path.join(dir, `${slug}.pid`)}`)
    .replace(/^LogLevel .*$/m, "LogLevel DEBUG2"));
  const knownHosts = path.join(dir, `${slug}_known_hosts`);
  fs.writeFileSync(knownHosts, `[${host.address}]:${port} ${host.hostPublicKey}\n`);
  const sshd = Bun.spawn([SSHD, "-d", "-d", "-f", config, "-E", log], { detached: true, stdio: ["ignore", "ignore", "ignore"] });
  children.add(sshd.pid);
  try {
    const deadline = Date.now() + 10_000;
    while (!(fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("Server listening on"))) {
      if (Date.now() > deadline || sshd.exitCode !== null) throw new Error(`bench: the probe sshd did not start:\n${fs.existsSync(log) ? fs.readFileSync(log, "utf8") : ""}`);
      await Bun.sleep(20);
    }
    const m = await measure(client({ slug: "probe", address: host.address, port }, knownHosts), { cwd: dir });
    if (m.exitCode !== 0) throw failed(`${label} against the probe sshd`, m, "failed");
    await Promise.race([sshd.exited, Bun.sleep(5000)]);
  } finally {
    if (sshd.exitCode === null) killChildren([sshd.pid]);
    children.delete(sshd.pid);
  }
  const text = fs.readFileSync(log, "utf8");
  const find = (re: RegExp) => re.exec(text)?.[1] ?? "?";
  const cipher = /kex: client->server cipher: (\S+) MAC: (\S+)/.exec(text);
  const back = /kex: server->client cipher: (\S+) MAC: (\S+)/.exec(text);
  if (!cipher || !back || cipher[1] !== back[1]) throw new Error(`bench: cannot read the ${label} negotiation from ${log}`);
  const offered = /ciphers ctos: (\S+)/.exec(text.slice(text.indexOf("peer client KEXINIT proposal")))?.[1] ?? "?";
  return { kex: find(/kex: algorithm: (\S+)/), hostKey: find(/kex: host key algorithm: (\S+)/), cipher: cipher[1]!, mac: cipher[2]!, offered };
}

const describe = (n: Negotiated) =>
  `kex ${n.kex}, host key ${n.hostKey}, cipher ${n.cipher}${n.mac === "<implicit>" ? "" : ` with ${n.mac}`} (ciphers offered: ${n.offered})`;

// ---------------------------------------------------------------------------
// Scenario 1: fan-out.

interface Command {
  shell: string;
  action: string;
}

const COMMANDS: Command[] = [{ shell: "true", action: "run_true" }, { shell: "uname -n", action: "run_uname" }];

interface Sample {
  seconds: number;
  cpuSeconds: number;
  peakRssKb: number;
  /** OpenSSH: the sum of every ssh's peak RSS (measured in the warm-up run). */
  sumRssKb?: number;
}

/** A way of running one command on the first `n` fixture hosts at once. */
interface Method {
  name: string;
  run(n: number, command: Command, warmUp: boolean): Promise<Sample>;
}

function deployerMethod(bench: Bench, deployFiles: Map<number, string>): Method {
  return {
    name: "deployer",
    async run(n, command) {
      const argv = [bench.deployer, "run", deployFiles.get(n)!, "--non-interactive", "--", "cells", command.action];
      const m = await measure(argv, { cwd: bench.dir });
      const what = `deployer ${command.shell} on ${n} hosts`;
      if (m.exitCode !== 0) throw failed(what, m, "failed");
      const answer = command.shell === "true" ? "undefined" : `'${bench.hostname}'`;
      const missing = bench.fixture.hosts.slice(0, n).filter((h) => !m.stdout.includes(`${h.slug}: ${answer}`));
      if (missing.length) throw failed(what, m, `no answer ${answer} from ${missing.map((h) => h.slug).join(", ")}`);
      return m;
    },
  };
}

function bareMethod(bench: Bench, name: string, runner: string[], targetFiles: Map<number, string>): Method {
  return {
    name,
    async run(n, command) {
      const m = await measure([...runner, targetFiles.get(n)!, command.shell], { cwd: bench.dir });
      const what = `${name} ${command.shell} on ${n} hosts`;
      if (m.exitCode !== 0) throw failed(what, m, "failed");
      const { answers } = JSON.parse(m.stdout) as { answers: Record<string, string> };
      const expected = command.shell === "true" ? "" : bench.hostname;
      const missing = bench.fixture.hosts.slice(0, n).filter((h) => answers[h.address] !== expected);
      if (missing.length) throw failed(what, m, `no answer from ${missing.map((h) => h.address).join(", ")}`);
      return m;
    },
  };
}

/** `xargs -P n` running one ssh per host; the warm-up wraps each ssh in /usr/bin/time to add up their RSS. */
function opensshMethod(bench: Bench, name: string, options: string[]): Method {
  const { fixture } = bench;
  return {
    name,
    async run(n, command, warmUp) {
      const rssFile = path.join(bench.dir, `ssh-rss-${n}.txt`);
      fs.rmSync(rssFile, { force: true });
      const each = warmUp && hasTime ? [TIME, "-a", "-o", rssFile, "-f", "%M"] : [];
      const argv = ["xargs", "-P", String(n), "-I{}", ...each, "ssh", ...sshBase(fixture, fixture.knownHosts), ...options,
        "-p", String(fixture.hosts[0]!.port), `${fixture.username}@{}`, command.shell];
      const input = fixture.hosts.slice(0, n).map((h) => h.address).join("\n") + "\n";
      const m = await measure(argv, { cwd: bench.dir, input });
      const what = `${name} ${command.shell} on ${n} hosts`;
      if (m.exitCode !== 0) throw failed(what, m, "some ssh failed");
      const lines = m.stdout.split("\n").filter(Boolean);
      const expected = command.shell === "true" ? [] : Array(n).fill(bench.hostname);
      if (lines.join("\n") !== expected.join("\n")) throw failed(what, m, `answered ${JSON.stringify(lines)}`);
      const rss = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, "utf8").split("\n").filter((l) => /^\d+$/.test(l)).map(Number) : [];
      return rss.length === n ? { ...m, sumRssKb: rss.reduce((a, b) => a + b, 0) } : m;
    },
  };
}

/** Fan-out: `true` and `uname -n` on N hosts at once, by deployer, bare ssh2 and OpenSSH. */
export async function benchFanout(options: BenchOptions & { sizes?: number[] }): Promise<ScenarioReport> {
  const sizes = [...(options.sizes ?? (options.quick ? [2] : [1, 10, 50, 100]))].sort((a, b) => a - b);
  const runs = options.quick ? 1 : options.runs;
  return withBench(Math.max(...sizes), async (bench) => {
    const { fixture, dir } = bench;
    const deployFiles = new Map(sizes.map((n) => [n, writeDeployFile(path.join(dir, `bench-${n}.ts`), fixture, targetsOf(fixture, n))]));
    const targetFiles = new Map(sizes.map((n) => [n, writeTargetsFile(path.join(dir, `targets-${n}.json`), fixture, targetsOf(fixture, n))]));
    const bareExe = await compileBare(dir);

    // What each client negotiates; OpenSSH is then pinned to deployer's choice.
    const probeDeploy = (t: Target, kh: string) => [bench.deployer, "run", writeDeployFile(path.join(dir, "probe.ts"), fixture, [t], kh), "--non-interactive", "--", "cells", "run_true"];
    const probeBare = (runner: string[]) => (t: Target, kh: string) => [...runner, writeTargetsFile(path.join(dir, "probe.json"), fixture, [t], kh), "true"];
    const probeSsh = (extra: string[]) => (t: Target, kh: string) => ["ssh", ...sshBase(fixture, kh), ...extra, "-p", String(t.port), `${fixture.username}@${t.address}`, "true"];
    const deployer = await negotiate(bench, "deployer", probeDeploy);
    const negotiated: Record<string, Negotiated> = {
      deployer,
      "bare ssh2 (compiled)": await negotiate(bench, "bare-compiled", probeBare([bareExe])),
      "bare ssh2 (bun)": await negotiate(bench, "bare-bun", probeBare([BUN, BARE_SCRIPT])),
      "ssh, deployer's kex": await negotiate(bench, "ssh-pinned", probeSsh(pinned(deployer))),
      "ssh, its defaults": await negotiate(bench, "ssh-default", probeSsh([])),
    };
    for (const [name, n] of Object.entries(negotiated)) process.stderr.write(`negotiated by ${name}: ${describe(n)}\n`);

    const methods = [
      deployerMethod(bench, deployFiles),
      bareMethod(bench, "bare ssh2 (compiled)", [bareExe], targetFiles),
      bareMethod(bench, "bare ssh2 (bun)", [BUN, BARE_SCRIPT], targetFiles),
      opensshMethod(bench, "ssh, deployer's kex", pinned(deployer)),
      opensshMethod(bench, "ssh, its defaults", []),
    ];
    const rows: Row[] = [];
    for (const n of sizes) {
      for (const command of COMMANDS) {
        const samples = new Map<string, Sample[]>(methods.map((m) => [m.name, []]));
        const sums = new Map<string, number>();
        for (let r = -1; r < runs; r++) { // run -1 is the warm-up, not counted
          const shift = (r + 1) % methods.length;
          for (const method of [...methods.slice(shift), ...methods.slice(0, shift)]) {
            const what = `${r < 0 ? "warm-up" : `run ${r + 1}`}, ${method.name}, ${command.shell} on ${n} hosts`;
            const sample = await retryOnce(bench, what, () => method.run(n, command, r < 0));
            if (sample.sumRssKb !== undefined) sums.set(method.name, sample.sumRssKb);
            if (r >= 0) samples.get(method.name)!.push(sample);
            process.stderr.write(`${r < 0 ? "warm-up" : `run ${r + 1}/${runs}`} N=${n} ${command.shell.padEnd(8)} ${method.name.padEnd(22)} ${sample.seconds.toFixed(3)} s\n`);
          }
        }
        for (const method of methods) {
          const s = samples.get(method.name)!;
          const extra: Record<string, number> = {
            "cpu s": median(s.map((x) => x.cpuSeconds)),
            "peak RSS MiB": median(s.map((x) => x.peakRssKb)) / 1024,
          };
          if (sums.has(method.name)) extra["sum RSS MiB"] = sums.get(method.name)! / 1024;
          rows.push({ scenario: "fan-out", case: `${command.shell}, N=${n}`, method: method.name, unit: "s", samples: s.map((x) => x.seconds), extra });
        }
      }
    }
    return { scenario: "fan-out", rows, ratios: fanoutRatios(rows, sizes), notes: [...fanoutNotes(negotiated, runs, options.quick, bench.deployerBuilt), ...retryNotes(bench)] };
  });
}

function fanoutRatios(rows: Row[], sizes: number[]): Ratio[] {
  const row = (shell: string, n: number, method: string) => rows.find((r) => r.case === `${shell}, N=${n}` && r.method === method)!;
  const wall = (shell: string, n: number, method: string) => median(row(shell, n, method).samples);
  const at = sizes.filter((n) => n === 50 || n === 100);
  const ratioSizes = at.length ? at : [sizes.at(-1)!];
  const ratios: Ratio[] = [];
  for (const n of ratioSizes) {
    for (const { shell } of COMMANDS) {
      const bare = wall(shell, n, "deployer") / wall(shell, n, "bare ssh2 (compiled)");
      ratios.push({ name: `deployer / bare ssh2 (compiled), ${shell} N=${n}`, value: bare, target: "≤ 1.15", met: bare <= 1.15 });
      ratios.push({ name: `deployer / bare ssh2 (bun), ${shell} N=${n}`, value: wall(shell, n, "deployer") / wall(shell, n, "bare ssh2 (bun)") });
      const ssh = wall(shell, n, "deployer") / wall(shell, n, "ssh, deployer's kex");
      ratios.push({ name: `deployer / ssh deployer's kex, ${shell} N=${n}`, value: ssh, target: "< 1", met: ssh < 1 });
      ratios.push({ name: `deployer / ssh defaults, ${shell} N=${n}`, value: wall(shell, n, "deployer") / wall(shell, n, "ssh, its defaults") });
    }
  }
  const [low, high] = [sizes[0]!, sizes.at(-1)!];
  if (high > low) {
    const rss = (n: number) => row("true", n, "deployer").extra!["peak RSS MiB"]!;
    const perHost = (rss(high) - rss(low)) / (high - low);
    ratios.push({ name: `deployer RSS per host, MiB (N=${low}→${high}, true)`, value: perHost, target: "≤ 2", met: perHost <= 2 });
  }
  return ratios;
}

function fanoutNotes(negotiated: Record<string, Negotiated>, runs: number, quick: boolean, deployerBuilt: string): string[] {
  return [
    `median of ${runs} run(s) after one warm-up${quick ? " (quick mode)" : ""}; min–max in brackets; methods take turns, the order rotating each run`,
    `wall: from spawning the client to its exit. deployer (a copy of dist/deployer built ${deployerBuilt}): `
      + "`deployer run bench-N.ts --non-interactive -- cells run_true|run_uname`, a new process each time "
      + "(start-up, getting the generated deploy.ts's bundle: esbuild, or the binary's bundle cache once the warm-up has filled it; "
      + "N SSHHost handshakes, the ParallelNode array action, the summary, exit); "
      + "bare ssh2: bench/_bare_ssh2.ts connecting to all N at once (key and known_hosts read once), compiled like dist/deployer, and run by bun; "
      + "ssh: `xargs -P N` starting one `ssh -F none -i KEY … CMD` per host",
    "cpu s: user + sys of the client's whole process tree (/usr/bin/time; deployer's includes its esbuild child); the sshd side is not counted, "
      + "but runs on the same cores",
    "peak RSS MiB: the largest single process of the tree (deployer: its main process; ssh: the largest ssh); sum RSS MiB: every ssh's peak added up (warm-up run)",
    ...Object.entries(negotiated).map(([name, n]) => `negotiated by ${name} (read from sshd's DEBUG2 log): ${describe(n)}`),
    ...(negotiated.deployer!.offered.includes("chacha20") ? [] : ["deployer offers no chacha20-poly1305: ssh2's native sshcrypto.node "
      + "(embedded in the binary) does not load under Bun, so ssh2 leaves chacha20 out and runs AES-GCM through node:crypto"]),
  ];
}

// ---------------------------------------------------------------------------
// Scenario 2: warm repeat.

/** One process's warm-repeat timings (as written by deploy.ts's warm_repeat and `_bare_ssh2.ts --repeat`). */
interface Phase {
  seconds: number[];
  cpuSeconds: number;
  /** Non-idle CPU seconds of the whole machine during the phase (every process, sshd included). */
  busySeconds: number;
}
type WarmRun = { reuse: Phase; reconnect: Phase; peakRssKb: number };

/** `true` ROUNDS times on N hosts inside one deployer process: over open connections, then connecting each time; bare ssh2 alike. */
export async function benchWarmRepeat(options: BenchOptions & { hosts?: number; rounds?: number }): Promise<ScenarioReport> {
  const [n, rounds, runs] = [options.hosts ?? (options.quick ? 2 : 50), options.rounds ?? (options.quick ? 3 : 20), options.quick ? 1 : options.runs];
  return withBench(n, async (bench) => {
    const { fixture, dir } = bench;
    const file = writeDeployFile(path.join(dir, "warm.ts"), fixture, targetsOf(fixture, n));
    const targets = writeTargetsFile(path.join(dir, "warm.json"), fixture, targetsOf(fixture, n));
    const bareExe = await compileBare(dir);
    const what = `warm repeat on ${n} hosts`;
    const clients: Record<string, (r: number) => Promise<WarmRun>> = {
      deployer: async (r) => {
        const out = path.join(dir, `warm-${r}.json`);
        const m = await measure([bench.deployer, "run", file, "--non-interactive", "--", "warm_repeat", String(rounds), out], { cwd: dir });
        if (m.exitCode !== 0 || !fs.existsSync(out)) throw failed(`deployer ${what}`, m, "failed");
        const clean = m.stdout.match(/Summary: \d+ ok, 0 failed, of \d+ hosts/g) ?? [];
        if (n > 1 && clean.length !== 2 * rounds + 2) throw failed(`deployer ${what}`, m, `${clean.length} clean rounds, not ${2 * rounds + 2}`);
        return { ...JSON.parse(fs.readFileSync(out, "utf8")), peakRssKb: m.peakRssKb };
      },
      "bare ssh2": async () => {
        const m = await measure([bareExe, targets, "true", "--repeat", String(rounds)], { cwd: dir });
        if (m.exitCode !== 0) throw failed(`bare ssh2 ${what}`, m, "failed");
        return { ...JSON.parse(m.stdout), peakRssKb: m.peakRssKb };
      },
    };
    const results: Record<string, WarmRun[]> = { deployer: [], "bare ssh2": [] };
    for (let r = 0; r < runs; r++) {
      for (const name of r % 2 ? ["bare ssh2", "deployer"] : ["deployer", "bare ssh2"]) {
        const result = await retryOnce(bench, `run ${r + 1}, ${name}, warm repeat`, () => clients[name]!(r));
        results[name]!.push(result);
        process.stderr.write(`run ${r + 1}/${runs} warm repeat N=${n} ${name.padEnd(9)}: reuse ${sum(result.reuse.seconds).toFixed(3)} s, reconnect ${sum(result.reconnect.seconds).toFixed(3)} s\n`);
      }
    }
    const caseName = `${rounds} × true, N=${n}`;
    const cores = os.cpus().length;
    const row = (name: string, phase: "reuse" | "reconnect"): Row => {
      const phases = results[name]!.map((x) => x[phase]);
      return {
        scenario: "warm repeat", case: caseName, method: `${name}, ${phase === "reuse" ? "reused" : "reconnecting"}`, unit: "s",
        samples: phases.map((p) => sum(p.seconds)),
        extra: {
          "per round ms": median(phases.flatMap((p) => p.seconds)) * 1000,
          "cpu s": median(phases.map((p) => p.cpuSeconds)),
          "others' cpu s": median(phases.map((p) => p.busySeconds - p.cpuSeconds)),
          "machine busy %": median(phases.map((p) => (100 * p.busySeconds) / (cores * sum(p.seconds)))),
          "peak RSS MiB": median(results[name]!.map((x) => x.peakRssKb)) / 1024,
        },
      };
    };
    const rows = [row("deployer", "reuse"), row("deployer", "reconnect"), row("bare ssh2", "reuse"), row("bare ssh2", "reconnect")];
    const wall = (i: number) => median(rows[i]!.samples);
    const ratio = wall(1) / wall(0);
    return {
      scenario: "warm repeat",
      rows,
      ratios: [
        { name: `deployer reconnect / reuse, ${caseName}`, value: ratio, target: "≥ 10", met: ratio >= 10 },
        { name: `bare ssh2 reconnect / reuse, ${caseName}`, value: wall(3) / wall(2) },
        { name: "deployer / bare ssh2, reused", value: wall(0) / wall(2) },
        { name: "deployer / bare ssh2, reconnecting", value: wall(1) / wall(3) },
      ],
      notes: [
        `deployer (a copy of dist/deployer built ${bench.deployerBuilt}): one \`deployer run warm.ts --non-interactive -- warm_repeat ${rounds} OUT\` per run (${runs} run(s)); the action times itself: `
          + "first `true` on every host (connects, untimed), then ROUNDS × `cells.run_true()` (the ParallelNode array over open connections), "
          + "then ROUNDS × `cells.run_true_and_close()` (`true`, then `this.host.instance.close()`, so each round connects: handshake, auth, exec, close)",
        "bare ssh2: `_bare_ssh2 TARGETS true --repeat ROUNDS` (compiled), the same rounds with ssh2 alone: the floor on this machine",
        `samples: the total of the ROUNDS rounds; per round ms: the median round (all N hosts); cpu s: the client process's own (process.cpuUsage); `
          + `others' cpu s: every other process's (sshd, the shells it starts) = the machine's non-idle time (/proc/stat, ${cores} cores) minus the client's`,
        ...retryNotes(bench),
      ],
    };
  });
}

const retryNotes = (bench: Bench) => bench.retries.map((r) => `failed once, then succeeded on a second try: ${r}`);

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------------------

function machineInfo(): Record<string, unknown> {
  const ssh = Bun.spawnSync(["ssh", "-V"]).stderr.toString().trim();
  const ssh2 = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "ssh2", "package.json"), "utf8")).version;
  return {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, kernel: os.release(), bun: Bun.version, openssh: ssh, ssh2,
    commit: git("rev-parse", "HEAD"), uncommittedFiles: git("status", "--porcelain").split("\n").filter(Boolean).length,
  };
}

function git(...args: string[]): string {
  return Bun.spawnSync(["git", ...args], { cwd: ROOT }).stdout.toString().trim();
}

const SCENARIOS = ["fan-out", "warm-repeat"] as const;

interface Options extends BenchOptions {
  sizes?: number[];
  hosts?: number;
  rounds?: number;
  only?: (typeof SCENARIOS)[number];
}

/** `--runs N` (default 5), `--sizes 1,10,50,100`, `--quick`, `--only fan-out|warm-repeat`, and for the warm repeat `--hosts 50 --rounds 20`. */
function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: "string", default: "5" }, sizes: { type: "string" }, quick: { type: "boolean", default: false },
      only: { type: "string" }, hosts: { type: "string" }, rounds: { type: "string" },
    },
  });
  const count = (name: string, text: string | undefined, max = Infinity): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be a whole number from 1${max < Infinity ? ` to ${max}` : ""}, not ${text}`);
    return n;
  };
  const sizes = values.sizes?.split(",").map((n) => count("sizes", n, 200)!);
  const only = values.only as Options["only"];
  if (only !== undefined && !SCENARIOS.includes(only)) throw new Error(`--only must be one of ${SCENARIOS.join(", ")}, not ${values.only}`);
  return {
    runs: count("runs", values.runs)!, quick: values.quick, sizes, only,
    hosts: count("hosts", values.hosts, 200), rounds: count("rounds", values.rounds),
  };
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const reports: ScenarioReport[] = [];
  if (options.only !== "warm-repeat") reports.push(await benchFanout(options));
  if (options.only !== "fan-out") reports.push(await benchWarmRepeat(options));
  for (const report of reports) console.log(formatReport(report));
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/:/g, "").replace(/\..*/, "");
  const file = path.join(RESULTS_DIR, `fanout-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), options, machine: machineInfo(), reports }, null, 2) + "\n");
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message.startsWith("bench:") ? "" : "bench: "}${message}\n`);
    process.exit(1);
  });
}
