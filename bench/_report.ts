// What every benchmark scenario reports, and how bench/run.ts prints it: medians with min–max,
// and ratios measured in the same run (never pass/fail on a timing).

/** One measured case: a method's timings (or sizes) over several repetitions. */
export interface Row {
  /** The scenario, e.g. "fan-out". */
  scenario: string;
  /** What was measured, e.g. "uname -n, N=50". */
  case: string;
  /** Who did it, e.g. "deployer", "ssh xargs -P", "bare ssh2". */
  method: string;
  unit: "s" | "ms" | "MiB/s" | "MiB";
  samples: number[];
  /** Other figures of this case (CPU seconds, peak RSS in MiB, …), each a median. */
  extra?: Record<string, number>;
}

/** A ratio between two rows of the same run, with the target it is held to. */
export interface Ratio {
  name: string;
  value: number;
  /** e.g. "≤ 1.15". */
  target?: string;
  met?: boolean;
}

export interface ScenarioReport {
  scenario: string;
  rows: Row[];
  ratios: Ratio[];
  /** What the figures include, the key exchange used, anything a reader needs. */
  notes: string[];
}

/** Options every scenario takes. */
export interface BenchOptions {
  /** Repetitions after a warm-up. */
  runs: number;
  /** The tiny configuration CI uses to keep the scripts from rotting (N = 2, one run). */
  quick: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(3));

/** The report as text: one table of rows, then the ratios and notes. */
export function formatReport(report: ScenarioReport): string {
  const lines = [`== ${report.scenario}`];
  for (const row of report.rows) {
    const min = Math.min(...row.samples);
    const max = Math.max(...row.samples);
    const extra = Object.entries(row.extra ?? {}).map(([k, v]) => `${k} ${fmt(v)}`).join(", ");
    lines.push(`  ${row.case.padEnd(28)} ${row.method.padEnd(22)} ${fmt(median(row.samples)).padStart(9)} ${row.unit.padEnd(5)} (${fmt(min)}–${fmt(max)})${extra ? `  ${extra}` : ""}`);
  }
  for (const ratio of report.ratios) {
    const verdict = ratio.met === undefined ? "" : ratio.met ? "  met" : "  MISSED";
    lines.push(`  ratio ${ratio.name.padEnd(48)} ${ratio.value.toFixed(2)}${ratio.target ? `  (target ${ratio.target})` : ""}${verdict}`);
  }
  for (const note of report.notes) lines.push(`  note: ${note}`);
  return lines.join("\n");
}
