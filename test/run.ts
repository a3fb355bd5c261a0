// What `npm test` runs: `bun test/run.ts [bun test args...]`.
//
// Starts the sshd fixture, runs `bun test` against it, stops the fixture
// (also on Ctrl-C / SIGTERM), and ends with exactly one line
// `tests: N passed, M failed[, K skipped]`. Exits non-zero when a test failed,
// when bun test itself failed, or when no test passed.

import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePrerequisites, killStaleFixtures, startFixture, stopFixture, type Fixture } from "./fixture/sshd.ts";

interface Counts {
  passed: number;
  failed: number;
  skipped: number; // skip + todo: neither passed nor failed, but reported
  note?: string; // why the counts were adjusted, printed before the final line
}

const TEST_DIR = path.dirname(fileURLToPath(import.meta.url));
const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

let child: ChildProcess | undefined;
let interrupted: NodeJS.Signals | undefined;

// Forward the signal to bun test so it can finish; the finally block below
// then stops the fixture. A second signal kills bun test outright.
function onSignal(sig: NodeJS.Signals): void {
  const again = interrupted !== undefined;
  interrupted = sig;
  if (child && child.exitCode === null && child.signalCode === null) child.kill(again ? "SIGKILL" : sig);
}
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

async function main(): Promise<number> {
  let fixture: Fixture | undefined;
  let counts: Counts = { passed: 0, failed: 1, skipped: 0 };
  let exitCode = 1;
  try {
    killStaleFixtures();
    await ensurePrerequisites();
    if (!interrupted) fixture = await startFixture({ count: 3 });
    if (fixture && !interrupted) {
      process.env.DEPLOYER_TEST_FIXTURE = path.join(fixture.dir, "fixture.json");
      const junit = path.join(fixture.dir, "junit.xml"); // removed with the fixture, even by a later run's stale cleanup
      const result = await runBunTest(process.argv.slice(2), junit);
      counts = countResults(result.stderrTail, result.code, junit);
      if (counts.failed > 0) process.stderr.write(failureReport(junit));
      exitCode = counts.failed > 0 || result.code !== 0 || counts.passed === 0 ? 1 : 0;
    }
  } catch (err) {
    process.stderr.write(`test/run.ts: ${err instanceof Error ? err.message : String(err)}\n`);
  } finally {
    if (fixture) await stopFixture(fixture);
  }
  if (interrupted) {
    counts.note = `interrupted by ${interrupted}`;
    exitCode = 128 + (SIGNAL_NUMBERS[interrupted] ?? 1);
  }
  if (counts.note) process.stderr.write(`test/run.ts: ${counts.note}\n`);
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : "";
  process.stdout.write(`tests: ${counts.passed} passed, ${counts.failed} failed${skipped}\n`);
  return exitCode;
}

// bun prints its report (and the summary we parse) on stderr. We pipe it to
// read the summary and echo it unchanged; FORCE_COLOR keeps bun's colours when
// the user is at a terminal.
function runBunTest(args: string[], junit: string): Promise<{ code: number; stderrTail: string }> {
  const testArgs = args.length > 0 ? args : [TEST_DIR];
  const argv = ["test", "--timeout", "60000", "--reporter=junit", `--reporter-outfile=${junit}`, ...testArgs];
  const env = { ...process.env };
  if (process.stderr.isTTY && env.NO_COLOR === undefined) env.FORCE_COLOR ??= "1";
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, argv, { stdio: ["inherit", "pipe", "pipe"], env });
    child = proc;
    let tail = "";
    proc.stdout!.on("data", (d: Buffer) => process.stdout.write(d));
    proc.stderr!.on("data", (d: Buffer) => {
      process.stderr.write(d);
      tail = (tail + d.toString("utf8")).slice(-16_384); // the summary is in the last lines
    });
    proc.on("error", reject);
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      child = undefined;
      resolve({ code: code ?? 128 + (SIGNAL_NUMBERS[sig ?? ""] ?? 1), stderrTail: tail });
    };
    proc.on("close", finish);
    // "close" waits for the pipes, which a process a test left running can hold
    // open; bun has written its summary by the time it exits.
    proc.on("exit", (code, sig) => setTimeout(() => finish(code, sig), 2000).unref());
  });
}

// bun's console summary is the authority: its "N fail" also counts files that
// failed to load and unhandled errors between tests, which the JUnit report
// leaves out (when only such errors occur, bun writes no JUnit file at all).
// JUnit is the fallback when the summary is missing, e.g. a test called
// process.exit().
function countResults(stderrTail: string, code: number, junit: string): Counts {
  const summary = parseSummary(stderrTail);
  const report = parseJunit(junit);
  if (summary) {
    const failed = Math.max(summary.fail, summary.error, report?.failed ?? 0);
    const counts: Counts = { passed: summary.pass, failed, skipped: summary.skip + summary.todo };
    if (failed === 0 && code !== 0) counts.note = `bun test exited with code ${code} although no test failed`;
    return counts;
  }
  const base = report ?? { passed: 0, failed: 0, skipped: 0 };
  return {
    ...base,
    failed: Math.max(base.failed, 1),
    note: `bun test ended (exit code ${code}) without its summary; counting that as a failure`,
  };
}

// The block bun ends with, after a blank line: " 3 pass", " 1 skip", " 2 filtered out",
// " 1 fail", "snapshots: +1 added", " 9 expect() calls", "Ran 5 tests across 2 files."
function parseSummary(text: string): { pass: number; fail: number; skip: number; todo: number; error: number } | undefined {
  const lines = text.replace(/\x1b\[[0-9;]*m/g, "").split(/\r?\n/);
  const ranAt = lines.findLastIndex((l) => /^Ran \d+ tests? across \d+ files?\./.test(l));
  if (ranAt < 0) return undefined;
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0, error: 0 };
  for (let i = ranAt - 1; i >= 0 && lines[i]!.trim() !== ""; i--) {
    const m = /^\s*(\d+) (pass|fail|skip|todo|errors?)$/.exec(lines[i]!);
    if (m) counts[m[2]!.startsWith("error") ? "error" : (m[2] as keyof typeof counts)] = Number(m[1]);
  }
  return counts;
}

// bun prints each failure's error where the test ran, which on a long run is far above the end;
// CI logs often keep only the tail. Repeat each failure's message (its first lines) just above
// the summary line, so the reason is where the count is.
function failureReport(file: string): string {
  let xml: string;
  try {
    xml = fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
  const unescape = (text: string) =>
    text.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code))).replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  const out: string[] = [];
  const attribute = (tag: string, name: string) => unescape(new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1] ?? "");
  for (const [, tag, failure, body] of xml.matchAll(/(<testcase\b[^>]*>)\s*(<failure\b[^>]*?)(?:\/>|>([^]*?)<\/failure>)/g)) {
    // bun writes the describe blocks innermost first: "inner > outer".
    const describes = attribute(tag!, "classname").split(" > ").filter(Boolean).reverse();
    // A timeout has no body, only a type and a message.
    const text = body === undefined ? `${attribute(failure!, "type")}: ${attribute(failure!, "message")}` : unescape(body);
    const lines = text.trimEnd().split("\n");
    const shown = lines.slice(0, 40).map((line) => `    ${line}`);
    if (lines.length > 40) shown.push(`    … ${lines.length - 40} more lines`);
    out.push(`${[attribute(tag!, "file"), ...describes, attribute(tag!, "name")].join(" > ")}:`, ...shown);
  }
  return out.length ? `\nwhy the tests failed:\n${out.join("\n")}\n\n` : "";
}

function parseJunit(file: string): Omit<Counts, "note"> | undefined {
  let xml: string;
  try {
    xml = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const top = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? "";
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(top)?.[1] ?? 0);
  const failed = attr("failures") + attr("errors");
  const skipped = attr("skipped");
  return { passed: Math.max(attr("tests") - failed - skipped, 0), failed, skipped };
}

process.exitCode = await main();
