// `npm run bench`: every benchmark scenario in one run, against OpenSSH on this machine, as
// medians, min–max and ratios. Never a pass or fail on a timing: it reports.
//
//   ./node_modules/.bin/bun bench/run.ts [--runs N] [--quick] [--only fan-out,warm,startup,transfer,shell]
//
// --quick is the tiny configuration CI runs so the scripts keep working (N = 2, one repetition).
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatReport, type BenchOptions, type ScenarioReport } from "./_report.ts";
import { benchFanout, benchWarmRepeat } from "./fanout.ts";
import { benchStartup } from "./startup.ts";
import { benchTransfer } from "./transfer.ts";
import { benchShell } from "./shell.ts";

const SCENARIOS: Record<string, (options: BenchOptions) => Promise<ScenarioReport>> = {
  "fan-out": benchFanout,
  warm: benchWarmRepeat,
  startup: benchStartup,
  transfer: benchTransfer,
  shell: benchShell,
};

const { values } = parseArgs({
  options: { runs: { type: "string" }, quick: { type: "boolean" }, only: { type: "string" } },
});
const quick = values.quick === true;
const options: BenchOptions = { quick, runs: values.runs ? Number(values.runs) : quick ? 1 : 5 };
const chosen = values.only ? values.only.split(",") : Object.keys(SCENARIOS);
for (const name of chosen) if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(", ")}`);

console.log(`deployer benchmarks on ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${options.runs} run(s) per case${quick ? " (quick)" : ""}`);
const reports: ScenarioReport[] = [];
let failed = 0;
for (const name of chosen) {
  try {
    const report = await SCENARIOS[name]!(options);
    reports.push(report);
    console.log(formatReport(report));
  } catch (error) {
    failed++;
    console.log(`== ${name}\n  error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  }
}
const dir = join(import.meta.dir, "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, JSON.stringify({ options, reports }, null, 2));
console.log(`results: ${file}`);
// A scenario that could not run is a broken script (CI's quick run catches it); slow figures are not failures.
process.exit(failed ? 1 : 0);
