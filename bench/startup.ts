// Benchmark: how long `deployer run deploy.ts --non-interactive -- noop` takes, start to exit, on a
// deploy.ts with one LocalHost and an action that does nothing, against `bun -e 0`.
//
//   ./node_modules/.bin/bun bench/startup.ts [--runs 10] [--quick] [--deployer PATH]
//
// Needs dist/deployer (`npm run build`); --deployer times another build instead, e.g. an older one. Every case runs in a HOME of its own (a fresh one per run
// for the first run); it never passes or fails on a timing, only on a wrong answer (an exit status,
// or a run that was cached when it should have been built or the other way round).
// See bench/README.md for what each timing includes.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { formatReport, median, type BenchOptions, type Ratio, type Row, type ScenarioReport } from "./_report.ts";

const ROOT = path.join(import.meta.dir, "..");
const DIST_DEPLOYER = path.join(ROOT, "dist", "deployer");
/** The bun that builds dist/deployer (`npm run build` runs node_modules/.bin/bun). */
const BUN = path.join(ROOT, "node_modules", ".bin", "bun");
const RESULTS_DIR = path.join(import.meta.dir, "results");
const MIB = 1024 * 1024;

const DEPLOY_TS = `import { Node, LocalHost } from "deployer";

export default class Root extends Node {
  hosts = { host: LocalHost };
  async noop() {}
}
`;

/** One timed process: wall milliseconds, peak RSS, and what the loader said about the bundle. */
interface Sample {
  ms: number;
  rssMiB: number;
  /** The in-process time of the loader's bundle step, from DEPLOYER_DEBUG_BUNDLE's line. */
  bundleMs?: number;
  bundle?: "cached" | "built";
}

interface Method {
  case: string;
  method: string;
  /** One timed run. */
  run(): Sample;
}

/** Run `argv` to its exit; a non-zero status or output on stderr (other than the bundle line) is an error. */
function timed(argv: string[], cwd: string, env: Record<string, string | undefined>): Sample {
  const started = performance.now();
  const result = Bun.spawnSync(argv, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - started;
  const stderr = result.stderr.toString();
  const bundleLine = stderr.split("\n").find((line) => line.startsWith("deployer: bundle: "));
  const unexpected = stderr.split("\n").filter((line) => line && line !== bundleLine);
  if (result.exitCode !== 0 || unexpected.length) {
    throw new Error(`${argv.join(" ")} exited ${result.exitCode}: ${stderr.trim() || result.stdout.toString().trim()}`);
  }
  const sample: Sample = { ms, rssMiB: result.resourceUsage.maxRSS / MIB };
  const match = bundleLine && /^deployer: bundle: (cached|built) \(([\d.]+) ms/.exec(bundleLine);
  if (match) Object.assign(sample, { bundle: match[1], bundleMs: Number(match[2]) });
  return sample;
}

/** Checks the loader did what the case is about; `traced` is false for builds older than the cache. */
function expectBundle(sample: Sample, want: "cached" | "built", what: string, traced = true): Sample {
  if (traced && sample.bundle !== want) throw new Error(`${what}: the bundle was ${sample.bundle ?? "not reported"}, expected ${want}`);
  return sample;
}

/** A clean environment for `home`: no cache variables from the caller, the loader's trace on. */
function envFor(home: string, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return { ...process.env, HOME: home, XDG_CACHE_HOME: undefined, DEPLOYER_NO_CACHE: undefined, NO_COLOR: "1", DEPLOYER_DEBUG_BUNDLE: "1", ...extra };
}

/** `dist/deployer run deploy.ts …` (and references) in the same run, methods taking turns. */
export async function benchStartup(options: BenchOptions & { deployer?: string }): Promise<ScenarioReport> {
  const deployer = options.deployer ?? DIST_DEPLOYER;
  if (!fs.existsSync(deployer)) throw new Error(`${deployer} is missing: run \`npm run build\``);
  const runs = options.quick ? 3 : options.runs;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deployer-bench-startup-"));
  try {
    const project = path.join(dir, "project");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "deploy.ts"), DEPLOY_TS);
    // Dated in the past: a file modified just before a build is not cached (see cmd/_bundle_cache.ts).
    const then = Date.now() / 1000 - 60;
    fs.utimesSync(path.join(project, "deploy.ts"), then, then);
    const warmHome = path.join(dir, "warm-home");
    fs.mkdirSync(warmHome);
    const compiledEmpty = path.join(dir, "empty");
    fs.writeFileSync(`${compiledEmpty}.ts`, "0;\n");
    const compile = Bun.spawnSync([BUN, "build", `${compiledEmpty}.ts`, "--compile", "--bytecode", "--format=esm", "--outfile", compiledEmpty], { stdout: "ignore", stderr: "pipe" });
    if (compile.exitCode !== 0) throw new Error(`bun build --compile failed: ${compile.stderr.toString()}`);

    const run = ["run", "deploy.ts", "--non-interactive", "--", "noop"];
    // Extract esbuild and cache the bundle in the warm HOME before any timing.
    const traced = timed([deployer, ...run], project, envFor(warmHome)).bundle !== undefined;
    let fresh = 0;
    const methods: Method[] = [
      {
        case: "first run", method: "deployer",
        run: () => {
          const home = path.join(dir, `fresh-home-${fresh++}`);
          fs.mkdirSync(home);
          try {
            return expectBundle(timed([deployer, ...run], project, envFor(home)), "built", "first run", traced);
          } finally {
            fs.rmSync(home, { recursive: true, force: true });
          }
        },
      },
      { case: "cached", method: "deployer", run: () => expectBundle(timed([deployer, ...run], project, envFor(warmHome)), "cached", "cached run", traced) },
      {
        case: "transpile only", method: "deployer",
        run: () => expectBundle(timed([deployer, ...run], project, envFor(warmHome, { DEPLOYER_NO_CACHE: "1" })), "built", "transpile-only run", traced),
      },
      { case: "--version", method: "deployer", run: () => timed([deployer, "--version"], project, envFor(warmHome)) },
      { case: "bun -e 0", method: "bun", run: () => timed([BUN, "-e", "0"], project, envFor(warmHome)) },
      { case: "empty program", method: "bun --compile --bytecode", run: () => timed([compiledEmpty], project, envFor(warmHome)) },
    ];

    const samples = new Map<Method, Sample[]>(methods.map((m) => [m, []]));
    for (let r = -1; r < runs; r++) { // run -1 is the warm-up, not counted
      const shift = (r + 1) % methods.length;
      for (const method of [...methods.slice(shift), ...methods.slice(0, shift)]) {
        const sample = method.run();
        if (r >= 0) samples.get(method)!.push(sample);
      }
      process.stderr.write(`${r < 0 ? "warm-up" : `run ${r + 1}/${runs}`} done\n`);
    }

    const rows: Row[] = methods.map((m) => {
      const s = samples.get(m)!;
      const extra: Record<string, number> = { "peak RSS MiB": median(s.map((x) => x.rssMiB)) };
      if (s[0]?.bundleMs !== undefined) extra["bundle step ms"] = median(s.map((x) => x.bundleMs!));
      return { scenario: "startup", case: m.case, method: m.method, unit: "ms", samples: s.map((x) => x.ms), extra };
    });
    const notes = startupNotes(rows, runs, options.quick);
    if (options.deployer) notes.unshift(`timed build: ${deployer}`);
    if (!traced) notes.unshift("this build does not report its bundle (it predates the cache): every run of it transpiles, and the bundle-step figures are missing");
    return { scenario: "startup", rows, ratios: traced ? startupRatios(rows) : [], notes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const wall = (rows: Row[], name: string) => median(rows.find((r) => r.case === name)!.samples);
const bundleStep = (rows: Row[], name: string) => rows.find((r) => r.case === name)!.extra!["bundle step ms"]!;

function startupRatios(rows: Row[]): Ratio[] {
  const bun = wall(rows, "bun -e 0");
  const cached = wall(rows, "cached") / bun;
  // A run that transpiles may take 2 × bun -e 0 plus the transpile (the loader's bundle step).
  const budget = (name: string) => (wall(rows, name) - bundleStep(rows, name)) / bun;
  return [
    { name: "cached / bun -e 0", value: cached, target: "≤ 2", met: cached <= 2 },
    { name: "(transpile only − its bundle step) / bun -e 0", value: budget("transpile only"), target: "≤ 2", met: budget("transpile only") <= 2 },
    { name: "(first run − its bundle step) / bun -e 0", value: budget("first run"), target: "≤ 2", met: budget("first run") <= 2 },
    { name: "--version / bun -e 0", value: wall(rows, "--version") / bun },
    { name: "empty compiled program / bun -e 0", value: wall(rows, "empty program") / bun },
  ];
}

function startupNotes(rows: Row[], runs: number, quick: boolean): string[] {
  const f = (n: number) => n.toFixed(1);
  const first = wall(rows, "first run"), cached = wall(rows, "cached"), transpile = wall(rows, "transpile only");
  return [
    `median of ${runs} run(s) after one warm-up${quick ? " (quick mode)" : ""}; min–max in brackets; methods take turns, the order rotating each run`,
    "wall: Bun.spawnSync from spawn to exit (stdout and stderr piped); peak RSS: the process's maxRSS as wait4 reports it",
    "first run: a new empty HOME each time (esbuild checked and extracted, ~10 MB written, the bundle built and cached); "
      + "cached: esbuild extracted and the bundle cached (esbuild neither checked nor started); "
      + "transpile only: DEPLOYER_NO_CACHE=1 with esbuild extracted (its stamp checked, the bundle built, nothing stored)",
    "bundle step ms: the loader's own time for the bundle (cache lookup, or starting esbuild and bundling, and storing), from DEPLOYER_DEBUG_BUNDLE=1",
    `first run breakdown: ${f(first)} ms = cached ${f(cached)} + transpile ${f(transpile - cached)} (transpile only − cached) + extraction and the first write ${f(first - transpile)} (first run − transpile only)`,
    "empty program: `0;` compiled with the same bun (`bun build --compile --bytecode`), the floor for any compiled Bun executable",
  ];
}

function machineInfo(deployer: string): Record<string, unknown> {
  return {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, kernel: os.release(), bun: Bun.spawnSync([BUN, "--version"]).stdout.toString().trim(),
    deployer, deployerBuilt: fs.statSync(deployer).mtime.toISOString(), deployerBytes: fs.statSync(deployer).size,
  };
}

function parseOptions(argv: string[]): BenchOptions & { deployer?: string } {
  const { values } = parseArgs({ args: argv, options: { runs: { type: "string", default: "10" }, quick: { type: "boolean", default: false }, deployer: { type: "string" } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  return { runs, quick: values.quick, ...(values.deployer ? { deployer: path.resolve(values.deployer) } : {}) };
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const report = await benchStartup(options);
  console.log(formatReport(report));
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/:/g, "").replace(/\..*/, "");
  const file = path.join(RESULTS_DIR, `startup-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), options, machine: machineInfo(options.deployer ?? DIST_DEPLOYER), reports: [report] }, null, 2) + "\n");
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
