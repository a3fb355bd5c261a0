// Benchmark: deployer's SSHHost.putFile/getFile against OpenSSH scp, on a loopback sshd fixture.
//
//   ./node_modules/.bin/bun bench/transfer.ts [--size-mb 100] [--runs 3] [--scp-cipher aes128-gcm@openssh.com]
//   ./node_modules/.bin/bun bench/transfer.ts --report [--runs 3] [--quick]   (benchTransfer: also sftp -b and 1000 small files)
//
// Reports MiB/s, deployer/scp ratios and peak memory; it never passes or fails on a timing.
// See bench/README.md for what each timing includes.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { SSHHost } from "../engine/index.ts";
import { formatReport, type BenchOptions, type Ratio, type Row, type ScenarioReport } from "./_report.ts";
import { ensurePrerequisites, killStaleFixtures, startFixture, stopFixture, type Fixture, type FixtureHost } from "../test/fixture/sshd.ts";

export const MIB = 1024 * 1024;
const RSS_SAMPLE_MS = 5;
const TIME = "/usr/bin/time";
const RESULTS_DIR = path.join(import.meta.dir, "results");
const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;

export type Direction = "upload" | "download";

/** One timed transfer: wall-clock seconds and the peak RSS (KiB) of what did the work, when known. */
export interface Sample {
  seconds: number;
  peakRssKb: number | undefined;
  /** deployer only: this process's RSS just before the transfer, after a full GC. */
  rssBeforeKb?: number;
}

/** A way of copying a file to or from the fixture host. */
export interface Method {
  name: string;
  /** What the timing and the RSS figure cover, for the report. */
  includes: string;
  transfer(direction: Direction, from: string, to: string): Promise<Sample>;
}

/** The fixture host and the files the benchmark copies. */
export interface Setup {
  fixture: Fixture;
  host: FixtureHost;
  localDir: string;
  remoteDir: string; // in the test user's home, owned by that user
  source: string; // the random file, local side
  remoteSource: string; // the same bytes on the host's side, for downloads
  bytes: number;
  sha256: string;
}

// ---------------------------------------------------------------------------
// Teardown: every resource registers how to release it, run once at the end, on error or on a signal.

/** Steps run once, newest first; also on SIGINT/SIGTERM, after which the process exits. */
export class Teardown {
  private readonly steps: Array<() => unknown> = [];
  private running: Promise<void> | undefined;

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    return (this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (error) {
          process.stderr.write(`bench: cleanup step failed: ${(error as Error).message}\n`);
        }
      }
    })());
  }

  /** Cleans up and exits on SIGINT/SIGTERM; returns how to stop listening. */
  exitOnSignals(): () => void {
    const handlers = Object.entries(SIGNALS).map(([name, number]) => {
      const handler = () => {
        process.stderr.write(`\nbench: ${name}, cleaning up\n`);
        void this.run().finally(() => process.exit(128 + number));
      };
      process.once(name, handler);
      return [name, handler] as const;
    });
    return () => { for (const [name, handler] of handlers) process.off(name, handler); };
  }
}

// ---------------------------------------------------------------------------
// Setup: fixture, random file, directories.

/** Starts a one-host sshd fixture and writes a random file of `bytes` on both sides. */
export async function setUp(teardown: Teardown, bytes: number): Promise<Setup> {
  killStaleFixtures();
  await ensurePrerequisites();
  const fixture = await startFixture({ count: 1 });
  teardown.add(() => stopFixture(fixture));
  const host = fixture.hosts[0]!;
  if (!host.address.startsWith("127.")) throw new Error(`bench: refusing a non-loopback host ${host.address}`);
  const localDir = fs.mkdtempSync(path.join(os.tmpdir(), "deployer-bench-"));
  teardown.add(() => fs.rmSync(localDir, { recursive: true, force: true }));
  const remoteDir = userDir(fixture.username);
  teardown.add(() => fs.rmSync(remoteDir, { recursive: true, force: true }));
  const source = path.join(localDir, "source.bin");
  const sha256 = await writeRandomFile(source, bytes);
  const remoteSource = path.join(remoteDir, "source.bin");
  fs.copyFileSync(source, remoteSource);
  chownToUser(remoteSource, fixture.username);
  return { fixture, host, localDir, remoteDir, source, remoteSource, bytes, sha256 };
}

// The fixture host is this machine: its user's home is where "remote" files land.
export function userDir(username: string): string {
  const dir = `/home/${username}/deployer-bench-${randomBytes(6).toString("hex")}`;
  fs.mkdirSync(dir);
  chownToUser(dir, username);
  return dir;
}

export function chownToUser(file: string, username: string): void {
  const id = (flag: string) => Number(spawnSync("id", [flag, username], { encoding: "utf8" }).stdout.trim());
  fs.chownSync(file, id("-u"), id("-g"));
}

/** Writes `bytes` random bytes to `file`; returns their sha256. */
async function writeRandomFile(file: string, bytes: number): Promise<string> {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "w");
  try {
    for (let left = bytes; left > 0; left -= MIB) {
      const chunk = randomBytes(Math.min(MIB, left));
      hash.update(chunk);
      fs.writeSync(fd, chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file, { highWaterMark: MIB })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

// ---------------------------------------------------------------------------
// OpenSSH: one master connection (ControlMaster) that every scp reuses, so scp's timings leave the handshake out.

export interface OpenSsh {
  target: string; // user@address
  port: string;
  options: string[]; // for both ssh and scp
  /** The cipher the master negotiated (from its debug log). */
  cipher(): string | undefined;
  /** Stops the master; resolves to its peak RSS in KiB, when /usr/bin/time is there. */
  stop(): Promise<number | undefined>;
}

const hasTime = fs.existsSync(TIME);
const children = new Set<ReturnType<typeof spawn>>();

/** `argv` under /usr/bin/time (when present) so its peak RSS can be read from `rssFile`. */
function timed(argv: string[], rssFile: string): string[] {
  return hasTime ? [TIME, "-f", "%M", "-o", rssFile, ...argv] : argv;
}

function readRss(rssFile: string): number | undefined {
  if (!hasTime || !fs.existsSync(rssFile)) return undefined;
  const last = fs.readFileSync(rssFile, "utf8").trim().split("\n").at(-1);
  return last && /^\d+$/.test(last) ? Number(last) : undefined;
}

/** Runs a command to its end; throws with its stderr when it fails. */
export function run(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
    children.add(child);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      children.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`\`${argv.join(" ")}\` failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** Kills the commands still running (on a signal, before the fixture goes). */
export function killChildren(): void {
  for (const child of children) child.kill("SIGTERM");
}

function sshOptions(fixture: Fixture, controlPath: string): string[] {
  return [
    "-F", "none", "-i", fixture.clientKey, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
    "-o", `UserKnownHostsFile=${fixture.knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", `ControlPath=${controlPath}`,
  ];
}

/** Opens the master connection (with `cipher`, else OpenSSH's default) and waits until scp can use it. */
export async function startOpenSsh(setup: Setup, teardown: Teardown, cipher: string | undefined): Promise<OpenSsh> {
  const { fixture, host, localDir } = setup;
  const target = `${fixture.username}@${host.address}`;
  const port = String(host.port);
  const options = sshOptions(fixture, path.join(localDir, "ssh-control"));
  const log = path.join(localDir, "ssh-master.log");
  const rssFile = path.join(localDir, "ssh-master.rss");
  const cipherOption = cipher ? ["-c", cipher] : [];
  const argv = timed(["ssh", "-M", "-N", "-v", "-E", log, ...cipherOption, "-p", port, ...options, target], rssFile);
  const master = spawn(argv[0]!, argv.slice(1), { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => master.once("close", () => resolve()));
  // Ask the master itself to exit: a signal would reach /usr/bin/time, not ssh.
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= run(["ssh", "-O", "exit", "-p", port, ...options, target]).catch(() => master.kill("SIGTERM")).then(() => exited));
  teardown.add(stop);
  await waitFor(() => run(["ssh", "-O", "check", "-p", port, ...options, target]).then(() => true, () => false), 10_000);
  return {
    target, port, options,
    cipher: () => /kex: client->server cipher: (\S+)/.exec(fs.readFileSync(log, "utf8"))?.[1],
    stop: async () => {
      await stop();
      return readRss(rssFile);
    },
  };
}

async function waitFor(ready: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`bench: not ready within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** scp over the master connection; `-O` is the legacy SCP protocol, `-s` SFTP (OpenSSH 9's default). */
export function scpMethod(protocol: "-O" | "-s", ssh: OpenSsh, localDir: string): Method {
  const rssFile = path.join(localDir, `scp${protocol}.rss`);
  return {
    name: `scp ${protocol}`,
    includes: "spawning scp and its ssh mux client, a new session on the existing master connection, the copy, the exit; "
      + "RSS: the larger of scp and its mux client (the master's own peak is reported apart)",
    async transfer(direction, from, to) {
      const [src, dst] = direction === "upload" ? [from, `${ssh.target}:${to}`] : [`${ssh.target}:${from}`, to];
      const argv = timed(["scp", protocol, "-q", "-P", ssh.port, ...ssh.options, src, dst], rssFile);
      const start = performance.now();
      await run(argv);
      return { seconds: (performance.now() - start) / 1000, peakRssKb: readRss(rssFile) };
    },
  };
}

/** `sftp -b` over the master connection, with a batch file of `commands` (written before the timing starts). */
export async function sftpBatch(ssh: OpenSsh, batchFile: string, commands: string[], rssFile?: string): Promise<Sample> {
  fs.writeFileSync(batchFile, commands.join("\n") + "\n");
  const argv = ["sftp", "-q", "-b", batchFile, "-P", ssh.port, ...ssh.options, ssh.target];
  const start = performance.now();
  await run(rssFile ? timed(argv, rssFile) : argv);
  return { seconds: (performance.now() - start) / 1000, peakRssKb: rssFile ? readRss(rssFile) : undefined };
}

/** A path as one argument of an sftp batch command. */
export function sftpQuote(file: string): string {
  return `"${file.replace(/[\\"]/g, "\\$&")}"`;
}

/** OpenSSH's sftp client in batch mode: one `put` or `get` line. */
export function sftpMethod(ssh: OpenSsh, localDir: string): Method {
  return {
    name: "sftp -b",
    includes: "spawning sftp and its ssh mux client, a new session on the existing master connection, one put or get "
      + "from a batch file, the exit; RSS: the larger of sftp and its mux client",
    transfer(direction, from, to) {
      const command = direction === "upload" ? "put" : "get";
      return sftpBatch(ssh, path.join(localDir, "sftp.batch"), [`${command} ${sftpQuote(from)} ${sftpQuote(to)}`], path.join(localDir, "sftp.rss"));
    },
  };
}

// ---------------------------------------------------------------------------
// deployer: one SSHHost whose connection and SFTP channel are open before any timing.

/** An SSHHost for the fixture host, reading no ~/.ssh config and offering only the fixture's key. */
export function fixtureHost(fixture: Fixture, h: FixtureHost): SSHHost {
  const Class = class extends SSHHost {
    constructor() {
      super();
      Object.assign(this, {
        slug: h.slug, address: h.address, port: h.port, username: fixture.username, keyFilename: fixture.clientKey,
        knownHostsFilename: fixture.knownHosts, configFilename: "", lookForKeys: false,
      });
    }
  };
  return new Class();
}

export function deployerMethod(host: SSHHost): Method {
  return {
    name: "deployer",
    includes: "host.putFile/getFile on a connected SSHHost with its SFTP channel open: path resolution, stat, "
      + "open, the copy, close and rename (the atomic-write steps), with the default progress meter; "
      + "RSS: the whole bench process (Bun runtime included), sampled every 5 ms",
    async transfer(direction, from, to) {
      return measureRss(() => (direction === "upload" ? host.putFile(from, to) : host.getFile(from, to)));
    },
  };
}

/** Times `fn` while sampling this process's RSS; the peak also comes from VmHWM, reset first, when Linux allows. */
async function measureRss(fn: () => Promise<void>): Promise<Sample> {
  Bun.gc(true); // so garbage from the previous checksum does not count as the transfer's
  const hwmReset = resetPeakRss();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), RSS_SAMPLE_MS);
  const start = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - start) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  const hwm = hwmReset ? vmHwmKb() : undefined;
  return { seconds, peakRssKb: Math.max(Math.round(peak / 1024), hwm ?? 0), rssBeforeKb: Math.round(before / 1024) };
}

// Writing 5 to clear_refs resets VmHWM (Linux 4.0+), so VmHWM then holds the peak since this point.
function resetPeakRss(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function vmHwmKb(): number | undefined {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : undefined;
}

// ---------------------------------------------------------------------------
// Measuring: interleaved runs, each copy checked byte for byte.

export type Results = Record<string, Record<Direction, Sample[]>>;

/** One transfer of the random file by `method`, its copy checked by sha256 then removed. */
async function measureOnce(method: Method, direction: Direction, setup: Setup): Promise<Sample> {
  const slug = method.name.replace(/\W+/g, "-");
  const [from, to] = direction === "upload"
    ? [setup.source, path.join(setup.remoteDir, `up-${slug}.bin`)]
    : [setup.remoteSource, path.join(setup.localDir, `down-${slug}.bin`)];
  fs.rmSync(to, { force: true });
  const sample = await method.transfer(direction, from, to);
  const got = await sha256File(to);
  if (got !== setup.sha256) throw new Error(`bench: ${method.name} ${direction} copied wrong bytes (sha256 ${got}, want ${setup.sha256})`);
  fs.rmSync(to, { force: true });
  return sample;
}

/** Every method and direction `runs` times, the order rotated each run so no method always goes first. */
export async function measureAll(methods: Method[], setup: Setup, runs: number): Promise<Results> {
  const results: Results = Object.fromEntries(methods.map((m) => [m.name, { upload: [], download: [] }]));
  for (let r = 0; r < runs; r++) {
    const order = [...methods.slice(r % methods.length), ...methods.slice(0, r % methods.length)];
    for (const direction of ["upload", "download"] as const) {
      for (const method of order) {
        const sample = await measureOnce(method, direction, setup);
        results[method.name]![direction].push(sample);
        process.stderr.write(`run ${r + 1}/${runs} ${direction.padEnd(8)} ${method.name.padEnd(9)} ${mibPerSec(setup.bytes, sample.seconds).toFixed(1)} MiB/s\n`);
      }
    }
  }
  return results;
}

/** What connecting costs, left out of the transfer timings: a fresh `ssh true`, and deployer's connect + SFTP open. */
async function connectionCosts(setup: Setup, ssh: OpenSsh, runs: number): Promise<{ sshTrueFresh: number; sshTrueMux: number; deployerConnect: number }> {
  const fresh: number[] = [], mux: number[] = [], deployer: number[] = [];
  const sshTrue = async (extra: string[]) => {
    const start = performance.now();
    await run(["ssh", "-p", ssh.port, ...extra, ...ssh.options, ssh.target, "true"]); // ssh keeps an option's first value
    return (performance.now() - start) / 1000;
  };
  for (let r = 0; r < runs; r++) {
    fresh.push(await sshTrue(["-o", "ControlPath=none"]));
    mux.push(await sshTrue([]));
    const host = fixtureHost(setup.fixture, setup.host);
    const start = performance.now();
    await host.files();
    deployer.push((performance.now() - start) / 1000);
    await host.close();
  }
  return { sshTrueFresh: median(fresh), sshTrueMux: median(mux), deployerConnect: median(deployer) };
}

// ---------------------------------------------------------------------------
// Reporting.

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mibPerSec(bytes: number, seconds: number): number {
  return bytes / MIB / seconds;
}

interface DirectionSummary {
  medianSeconds: number;
  mibPerSec: number;
  seconds: number[];
  peakRssKb: number | undefined;
  rssBeforeKb: number | undefined;
}

interface Summary {
  method: string;
  includes: string;
  upload: DirectionSummary;
  download: DirectionSummary;
}

function summarize(methods: Method[], results: Results, bytes: number): Summary[] {
  const max = (values: Array<number | undefined>) => {
    const known = values.filter((n) => n !== undefined);
    return known.length ? Math.max(...known) : undefined;
  };
  const one = (samples: Sample[]): DirectionSummary => {
    const seconds = samples.map((s) => s.seconds);
    return {
      medianSeconds: median(seconds), mibPerSec: mibPerSec(bytes, median(seconds)), seconds,
      peakRssKb: max(samples.map((s) => s.peakRssKb)), rssBeforeKb: max(samples.map((s) => s.rssBeforeKb)),
    };
  };
  return methods.map((m) => ({ method: m.name, includes: m.includes, upload: one(results[m.name]!.upload), download: one(results[m.name]!.download) }));
}

/** deployer's MiB/s over each scp mode's, per direction. */
function ratios(summaries: Summary[]): Record<string, { upload: number; download: number }> {
  const deployer = summaries.find((s) => s.method === "deployer")!;
  return Object.fromEntries(summaries.filter((s) => s !== deployer).map((s) => [`deployer/${s.method}`, {
    upload: deployer.upload.mibPerSec / s.upload.mibPerSec,
    download: deployer.download.mibPerSec / s.download.mibPerSec,
  }]));
}

function formatTable(summaries: Summary[], ratio: ReturnType<typeof ratios>, masterRssKb: number | undefined): string {
  const mib = (kb: number | undefined) => (kb === undefined ? "n/a" : (kb / 1024).toFixed(1));
  const rows = [["method", "upload MiB/s", "download MiB/s", "peak RSS MiB (up/down)"]];
  for (const s of summaries) {
    rows.push([s.method, s.upload.mibPerSec.toFixed(1), s.download.mibPerSec.toFixed(1), `${mib(s.upload.peakRssKb)} / ${mib(s.download.peakRssKb)}`]);
  }
  for (const [name, r] of Object.entries(ratio)) rows.push([`ratio ${name}`, r.upload.toFixed(2), r.download.toFixed(2), ""]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
  const deployer = summaries.find((s) => s.method === "deployer")!;
  lines.push(`scp RSS: scp or its ssh mux client, whichever is larger; the ssh master's own peak over all scp runs: ${mib(masterRssKb)} MiB`);
  lines.push(`deployer RSS: the whole bench process, which held up to ${mib(deployer.upload.rssBeforeKb)} / ${mib(deployer.download.rssBeforeKb)} MiB just before (after a full GC)`);
  if (!hasTime) lines.push(`(${TIME} is missing: scp's RSS was not measured)`);
  return lines.join("\n");
}

function machineInfo(ssh: OpenSsh): Record<string, unknown> {
  const sshVersion = spawnSync("ssh", ["-V"], { encoding: "utf8" }).stderr.trim();
  const ssh2Version = JSON.parse(fs.readFileSync(path.join(import.meta.dir, "..", "node_modules", "ssh2", "package.json"), "utf8")).version;
  return {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, kernel: os.release(), bun: Bun.version,
    openssh: sshVersion, scpCipher: ssh.cipher(), ssh2: ssh2Version,
  };
}

function writeJson(report: unknown, prefix = "transfer"): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/:/g, "").replace(/\..*/, "");
  const file = path.join(RESULTS_DIR, `${prefix}-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
  return file;
}

// ---------------------------------------------------------------------------
// Many small files: a directory of them copied up and down whole, each copy checked file by file.

/** The small files, on both sides; their bytes are kept to check the copies. */
interface Tree {
  names: string[];
  contents: Map<string, Buffer>;
  localSource: string;
  remoteSource: string;
}

/** A way of copying a directory of files to or from the fixture host. */
interface TreeMethod {
  name: string;
  includes: string;
  /** Copies the files `names` of directory `from` into `to`, which it creates; resolves to seconds. */
  transfer(direction: Direction, from: string, to: string, names: string[]): Promise<number>;
}

/** `count` random files of `fileBytes` in a directory on each side. */
function setUpTree(setup: Setup, count: number, fileBytes: number): Tree {
  const localSource = path.join(setup.localDir, "many");
  const remoteSource = path.join(setup.remoteDir, "many");
  fs.mkdirSync(localSource);
  fs.mkdirSync(remoteSource);
  const names = Array.from({ length: count }, (_, i) => `f${String(i).padStart(5, "0")}.bin`);
  const contents = new Map<string, Buffer>();
  for (const name of names) {
    const data = randomBytes(fileBytes);
    contents.set(name, data);
    fs.writeFileSync(path.join(localSource, name), data);
    fs.writeFileSync(path.join(remoteSource, name), data);
  }
  spawnSync("chown", ["-R", setup.fixture.username, remoteSource]);
  return { names, contents, localSource, remoteSource };
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/** putFile/getFile per file, `concurrency` calls in flight (a pool: each worker takes the next file). */
function deployerTreeMethod(host: SSHHost, concurrency: number): TreeMethod {
  return {
    name: concurrency === 1 ? "deployer" : `deployer ×${concurrency}`,
    includes: (concurrency === 1 ? "host.putFile/getFile for each file in turn" : `host.putFile/getFile with ${concurrency} calls in flight (a pool of ${concurrency} workers, each taking the next file)`)
      + ", on one connected SSHHost and its open SFTP channel, after creating the destination directory (SFTP mkdir up, mkdir down)",
    transfer: (direction, from, to, names) => timeIt(async () => {
      if (direction === "upload") await (await host.files()).mkdir(to);
      else fs.mkdirSync(to);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < names.length; i = next++) {
          const [src, dst] = [path.join(from, names[i]!), path.join(to, names[i]!)];
          await (direction === "upload" ? host.putFile(src, dst) : host.getFile(src, dst));
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }),
  };
}

/** putDirectory/getDirectory of the whole directory (its files 16 at a time). */
function deployerDirectoryMethod(host: SSHHost): TreeMethod {
  return {
    name: "deployer put/getDirectory",
    includes: "host.putDirectory/getDirectory of the whole directory (a walk of the source, the destination directory made, "
      + "then each file as putFile/getFile copies it, 16 at a time), on one connected SSHHost and its open SFTP channel",
    transfer: (direction, from, to) => timeIt(() => (direction === "upload" ? host.putDirectory(from, to) : host.getDirectory(from, to))),
  };
}

/** `scp -r` of the whole directory over the master connection. */
function scpTreeMethod(protocol: "-O" | "-s", ssh: OpenSsh): TreeMethod {
  return {
    name: `scp -r ${protocol}`,
    includes: "spawning scp -r and its ssh mux client, a new session on the existing master connection, the copy of the directory, the exit",
    transfer: (direction, from, to) => timeIt(() => {
      const [src, dst] = direction === "upload" ? [from, `${ssh.target}:${to}`] : [`${ssh.target}:${from}`, to];
      return run(["scp", protocol, "-q", "-r", "-P", ssh.port, ...ssh.options, src, dst]);
    }),
  };
}

/** `sftp -b` with a batch of one mkdir and a put or get per file. */
function sftpTreeMethod(ssh: OpenSsh, localDir: string): TreeMethod {
  return {
    name: "sftp -b",
    includes: "spawning sftp and its ssh mux client, a new session on the existing master connection, a batch file "
      + "(written before the timing) of a mkdir (lmkdir down) and one put (get) per file, the exit",
    async transfer(direction, from, to, names) {
      const [mkdir, copy] = direction === "upload" ? ["mkdir", "put"] : ["lmkdir", "get"];
      const commands = [`${mkdir} ${sftpQuote(to)}`, ...names.map((n) => `${copy} ${sftpQuote(path.join(from, n))} ${sftpQuote(path.join(to, n))}`)];
      return (await sftpBatch(ssh, path.join(localDir, "sftp-many.batch"), commands)).seconds;
    },
  };
}

/** One copy of the directory by `method`, checked file by file (names, sizes, bytes), then removed. */
async function measureTreeOnce(method: TreeMethod, direction: Direction, setup: Setup, tree: Tree): Promise<number> {
  const slug = method.name.replace(/\W+/g, "-");
  const [from, to] = direction === "upload"
    ? [tree.localSource, path.join(setup.remoteDir, `many-up-${slug}`)]
    : [tree.remoteSource, path.join(setup.localDir, `many-down-${slug}`)];
  fs.rmSync(to, { recursive: true, force: true });
  const seconds = await method.transfer(direction, from, to, tree.names);
  const got = fs.readdirSync(to).sort();
  if (got.join("/") !== tree.names.join("/")) throw new Error(`bench: ${method.name} ${direction} copied ${got.length} files, want ${tree.names.length}`);
  for (const name of tree.names) {
    if (!fs.readFileSync(path.join(to, name)).equals(tree.contents.get(name)!)) throw new Error(`bench: ${method.name} ${direction} copied wrong bytes to ${name}`);
  }
  fs.rmSync(to, { recursive: true, force: true });
  return seconds;
}

/** Every method and direction `runs` times, in rotated order as measureAll does. */
async function measureTrees(methods: TreeMethod[], setup: Setup, tree: Tree, runs: number): Promise<Record<string, Record<Direction, number[]>>> {
  const results = Object.fromEntries(methods.map((m) => [m.name, { upload: [] as number[], download: [] as number[] }]));
  for (let r = 0; r < runs; r++) {
    const order = [...methods.slice(r % methods.length), ...methods.slice(0, r % methods.length)];
    for (const direction of ["upload", "download"] as const) {
      for (const method of order) {
        const seconds = await measureTreeOnce(method, direction, setup, tree);
        results[method.name]![direction].push(seconds);
        process.stderr.write(`run ${r + 1}/${runs} ${direction.padEnd(8)} ${tree.names.length} files ${method.name.padEnd(12)} ${(seconds * 1000).toFixed(0)} ms\n`);
      }
    }
  }
  return results;
}

// ---------------------------------------------------------------------------
// The transfer scenario in the shared report format.

/**
 * One large file (100 MiB; quick: 2 MiB) and many small ones (1000 × 4 KiB; quick: 20) up and down, by
 * deployer against scp (both protocols) and sftp -b; a warm-up run first unless quick (quick: one run).
 */
export async function benchTransfer(options: BenchOptions): Promise<ScenarioReport> {
  const bytes = (options.quick ? 2 : 100) * MIB;
  const count = options.quick ? 20 : 1000;
  const fileBytes = 4 * 1024;
  const runs = options.quick ? 1 : options.runs;
  const teardown = new Teardown();
  const stopListening = teardown.exitOnSignals();
  try {
    const setup = await setUp(teardown, bytes);
    teardown.add(killChildren); // before the fixture goes
    const ssh = await startOpenSsh(setup, teardown, undefined);
    const host = fixtureHost(setup.fixture, setup.host);
    teardown.add(() => host.close());
    await host.files(); // connect and open SFTP before any timing
    const big = [scpMethod("-O", ssh, setup.localDir), scpMethod("-s", ssh, setup.localDir), sftpMethod(ssh, setup.localDir), deployerMethod(host)];
    if (!options.quick) await measureAll(big, setup, 1);
    const bigResults = await measureAll(big, setup, runs);
    const tree = setUpTree(setup, count, fileBytes);
    const many = [scpTreeMethod("-O", ssh), scpTreeMethod("-s", ssh), sftpTreeMethod(ssh, setup.localDir), deployerTreeMethod(host, 1), deployerDirectoryMethod(host)];
    if (!options.quick) await measureTrees(many, setup, tree, 1);
    const manyResults = await measureTrees(many, setup, tree, runs);
    const cipher = ssh.cipher();
    await ssh.stop();

    const rows: Row[] = [];
    const ratios: Ratio[] = [];
    const ratio = (name: string, value: number): Ratio => ({ name, value, target: "≥ 0.8", met: value >= 0.8 });
    const bigLabel = `${bytes / MIB} MiB`;
    const manyLabel = `${count} × ${fileBytes / 1024} KiB`;
    const verbs = { upload: "put", download: "get" } as const;
    for (const direction of ["upload", "download"] as const) {
      const verb = verbs[direction];
      const speeds = (name: string) => bigResults[name]![direction].map((s) => mibPerSec(bytes, s.seconds));
      for (const m of big) {
        const peaks = bigResults[m.name]![direction].map((s) => s.peakRssKb).filter((kb) => kb !== undefined);
        rows.push({ scenario: "transfer", case: `${verb} ${bigLabel}`, method: m.name, unit: "MiB/s", samples: speeds(m.name), ...(peaks.length ? { extra: { "peak RSS MiB": Math.max(...peaks) / 1024 } } : {}) });
      }
      for (const m of big.filter((m) => m.name !== "deployer")) {
        ratios.push(ratio(`${verb} ${bigLabel}: deployer / ${m.name}`, median(speeds("deployer")) / median(speeds(m.name))));
      }
    }
    for (const direction of ["upload", "download"] as const) {
      const verb = verbs[direction];
      for (const m of many) rows.push({ scenario: "transfer", case: `${verb} ${manyLabel}`, method: m.name, unit: "s", samples: manyResults[m.name]![direction] });
      for (const d of many.filter((m) => m.name.startsWith("deployer"))) {
        for (const m of many.filter((m) => !m.name.startsWith("deployer"))) {
          const value = median(manyResults[m.name]![direction]) / median(manyResults[d.name]![direction]);
          // A directory is copied with the directory API; a file at a time is shown for what it costs.
          ratios.push(d.name === "deployer" ? { name: `${verb} ${manyLabel}: ${d.name} / ${m.name} (one file at a time)`, value } : ratio(`${verb} ${manyLabel}: ${d.name} / ${m.name}`, value));
        }
      }
    }
    const notes = [
      `the fixture host is this machine (loopback, page cache on both sides): this measures the protocols and their implementations; OpenSSH's master connection negotiated ${cipher ?? "an unknown cipher"}, ssh2 under Bun uses aes128-gcm`,
      "connections are opened before any timing: OpenSSH tools use a ControlMaster connection, deployer an SSHHost already connected with its SFTP channel open",
      ...[...big, ...many].map((m) => `${m.name}: ${m.includes}`),
      `ratios: speed of deployer over speed of the other method in the same run (MiB/s, or the inverse of the seconds), medians of ${runs} run${runs === 1 ? "" : "s"}${options.quick ? "" : " after a warm-up"}`,
      "every copy is checked: the large file by sha256, the small files by name, size and bytes",
    ];
    return { scenario: "transfer", rows, ratios, notes };
  } finally {
    stopListening();
    await teardown.run();
  }
}

// ---------------------------------------------------------------------------

/** `--size-mb N` (MiB, default 100), `--runs N` (default 3), and for transfer.ts `--scp-cipher NAME` (default: OpenSSH's choice). */
export function parseOptions(argv: string[], withScpCipher = false): { sizeMb: number; runs: number; scpCipher?: string } {
  const options = { "size-mb": { type: "string", default: "100" }, runs: { type: "string", default: "3" } } as const;
  const { values } = parseArgs({ args: argv, options: withScpCipher ? { ...options, "scp-cipher": { type: "string" } } : options });
  const sizeMb = Number(values["size-mb"]);
  const runs = Number(values.runs);
  if (!(sizeMb > 0)) throw new Error(`--size-mb must be a positive number, not ${values["size-mb"]}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  const scpCipher = (values as { "scp-cipher"?: string })["scp-cipher"];
  return scpCipher === undefined ? { sizeMb, runs } : { sizeMb, runs, scpCipher };
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--report")) {
    const { values } = parseArgs({ args: argv, options: { report: { type: "boolean" }, quick: { type: "boolean" }, runs: { type: "string", default: "3" } } });
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
    const report = await benchTransfer({ runs, quick: values.quick ?? false });
    console.log(formatReport(report));
    console.log(`results: ${path.relative(process.cwd(), writeJson({ date: new Date().toISOString(), ...report }, "transfer-report"))}`);
    return 0;
  }
  const options = parseOptions(argv, true);
  const teardown = new Teardown();
  teardown.exitOnSignals();
  try {
    const setup = await setUp(teardown, Math.round(options.sizeMb * MIB));
    teardown.add(killChildren); // before the fixture goes
    const ssh = await startOpenSsh(setup, teardown, options.scpCipher);
    const host = fixtureHost(setup.fixture, setup.host);
    teardown.add(() => host.close());
    await host.files(); // connect and open SFTP before any timing
    const methods = [scpMethod("-O", ssh, setup.localDir), scpMethod("-s", ssh, setup.localDir), deployerMethod(host)];
    const results = await measureAll(methods, setup, options.runs);
    const connection = await connectionCosts(setup, ssh, options.runs);
    const machine = machineInfo(ssh);
    const masterRssKb = await ssh.stop();
    const summaries = summarize(methods, results, setup.bytes);
    const ratio = ratios(summaries);
    console.log(formatTable(summaries, ratio, masterRssKb));
    console.log(`connecting, left out above (median): fresh \`ssh true\` ${(connection.sshTrueFresh * 1000).toFixed(0)} ms, `
      + `\`ssh true\` over the master ${(connection.sshTrueMux * 1000).toFixed(0)} ms, deployer connect + SFTP open ${(connection.deployerConnect * 1000).toFixed(0)} ms`);
    const file = writeJson({
      date: new Date().toISOString(), options, bytes: setup.bytes, machine, summaries, ratios: ratio,
      sshMasterPeakRssKb: masterRssKb, connectionSeconds: connection,
    });
    console.log(`results: ${path.relative(process.cwd(), file)}`);
    return 0;
  } finally {
    await teardown.run();
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
