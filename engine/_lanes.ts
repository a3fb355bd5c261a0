// Parallel work on one terminal: each host gets a lane whose lines carry its name in a stable
// colour, a status line counts hosts running, done and failed, questions are asked one host at a
// time (the others' output waits), and a summary ends the run.
import { currentRoute, newRoute, onRoute, type TerminalRoute } from "./_terminal.ts";
import { Pty, type Output } from "./pty.ts";
import { inTurnOf } from "./_turns.ts";

export interface LaneOptions {
  /** At most this many lanes run at once (the rest wait their turn). */
  limit?: number;
  /** Print the per-host summary at the end (not for nested lanes). */
  summary?: boolean;
}

/** A safe default bound on hosts worked on at once: each holds a connection (a file descriptor) open. */
export const DEFAULT_PARALLEL = 256;

type State = "waiting" | "running" | "done" | "failed";

interface Lane {
  name: string;
  prefix: string;
  state: State;
  started: number;
  ended: number;
  failure?: string;
  /** Output of this lane not ended by a newline yet. */
  partial: string;
}

/** A lane shows a line that grows longer than this (in UTF-16 units) in pieces of this length. */
const LONGEST_LINE = 16 * 1024;

const COLORS = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94];

/**
 * Run `tasks` (one per name) concurrently, each on its own lane of the caller's terminal; resolves to
 * every task's settled result, in order. Nothing is lost: a failing lane never stops the others.
 */
export async function runInLanes<T>(names: readonly string[], tasks: ReadonlyArray<() => Promise<T>>, fallback: TerminalRoute, options: LaneOptions = {}): Promise<PromiseSettledResult<T>[]> {
  const parent = currentRoute() ?? fallback;
  const board = new Board(parent.pty, names);
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      const lane = board.lanes[index]!;
      board.start(lane);
      // A pane of its own where the run mode offers one (tmux, parallel-panes on), else a lane here.
      const pane = await parent.pty.openPane(lane.name).catch(() => undefined);
      if (pane) board.write(lane, "runs in its own pane\n");
      const route = newRoute(pane?.pty ?? new LanePty(board, lane), parent);
      try {
        results[index] = { status: "fulfilled", value: await onRoute(route, tasks[index]!) };
        board.end(lane);
      } catch (error) {
        results[index] = { status: "rejected", reason: error };
        board.end(lane, error);
      }
      // A pane kept open waits for its own key; the run goes on.
      void pane?.close(results[index]!.status === "rejected").catch(() => undefined);
    }
  };
  const limit = Math.max(1, Math.min(options.limit ?? DEFAULT_PARALLEL, tasks.length));
  await Promise.all(Array.from({ length: limit }, worker));
  board.finish(options.summary ?? true);
  return results;
}

/** The shared terminal and every lane's state. */
class Board {
  readonly lanes: Lane[];
  /** The lane asking a question now: its output goes straight through, the others' waits. */
  private asking: Lane | undefined;
  private held: string[] = [];
  private statusShown = false;
  readonly color: boolean;
  /** Answers one host gave for all (the sudo password), by question. */
  private readonly shared = new Map<string, Promise<unknown>>();
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(readonly base: Pty, names: readonly string[]) {
    this.color = base.isTTY && !process.env.NO_COLOR;
    const width = Math.min(24, Math.max(...names.map((n) => n.length)));
    this.lanes = names.map((name, i) => {
      const label = name.padEnd(width);
      const prefix = this.color ? `\x1b[${COLORS[hash(name, i) % COLORS.length]}m${label}\x1b[39m \x1b[2m│\x1b[22m ` : `${label} | `;
      return { name, prefix, state: "waiting" as State, started: 0, ended: 0, partial: "" };
    });
  }

  private get out(): Output {
    return this.base.stdout;
  }

  start(lane: Lane): void {
    lane.state = "running";
    lane.started = performance.now();
    this.drawStatus();
  }

  end(lane: Lane, error?: unknown): void {
    this.flushPartial(lane);
    lane.state = error === undefined ? "done" : "failed";
    lane.ended = performance.now();
    if (error !== undefined) lane.failure = describeFailure(error);
    this.drawStatus();
  }

  /** A lane's output: whole lines are prefixed and shown (or held while another lane asks). */
  write(lane: Lane, data: string): void {
    if (this.asking === lane) return void this.out.write(data);
    const text = lane.partial + data.replace(/\r\n/g, "\n");
    const lines = text.split("\n");
    lane.partial = lines.pop()!;
    // Output without newlines is shown in pieces, not gathered without end.
    while (lane.partial.length >= LONGEST_LINE) {
      lines.push(lane.partial.slice(0, LONGEST_LINE));
      lane.partial = lane.partial.slice(LONGEST_LINE);
    }
    if (lines.length) this.show(lines.map((line) => `${lane.prefix}${visible(line)}\n`).join(""));
  }

  /** Ask on the shared terminal: one lane at a time, named first, the others' output held until done. */
  async exclusive<T>(lane: Lane, ask: () => Promise<T>): Promise<T> {
    return await inTurnOf(this.base, async () => {
      this.clearStatus();
      this.flushPartial(lane);
      this.asking = lane;
      this.out.write(`${lane.prefix}${this.color ? "\x1b[1m" : ""}asks:${this.color ? "\x1b[22m" : ""}\n`);
      try {
        return await ask();
      } finally {
        this.asking = undefined;
        const held = this.held.join("");
        this.held = [];
        if (held) this.out.write(held);
        this.drawStatus();
      }
    });
  }

  /** An answer for every lane: asked once (by `ask`, which says whether to share it); the others reuse it. */
  async sharedAnswer<T>(key: string, ask: (others: number) => Promise<{ value: T; share: boolean }>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const mine = previous.then(async () => {
      const known = this.shared.get(key);
      if (known) return (await known) as T;
      const others = this.lanes.filter((l) => l.state === "running" || l.state === "waiting").length - 1;
      const { value, share } = await ask(others);
      if (share) this.shared.set(key, Promise.resolve(value));
      return value;
    });
    this.chains.set(key, mine.catch(() => undefined));
    return await mine;
  }

  /** Clear the status line and print the summary. */
  finish(summary: boolean): void {
    for (const lane of this.lanes) this.flushPartial(lane);
    this.clearStatus();
    if (!summary) return;
    const failed = this.lanes.filter((l) => l.state === "failed");
    const paint = (code: number, text: string) => (this.color ? `\x1b[${code}m${text}\x1b[0m` : text);
    const lines = [`${paint(1, "Summary:")} ${this.lanes.length - failed.length} ok, ${failed.length} failed, of ${this.lanes.length} hosts`];
    for (const lane of this.lanes) {
      const status = lane.state === "failed" ? paint(31, "FAILED") : paint(32, "ok    ");
      const seconds = `${((lane.ended - lane.started) / 1000).toFixed(1)}s`.padStart(7);
      lines.push(`  ${status} ${lane.name.padEnd(24)} ${seconds}${lane.failure ? `  ${lane.failure}` : ""}`);
    }
    this.out.write(`${lines.join("\n")}\n`);
  }

  private show(text: string): void {
    if (this.asking) return void this.held.push(text);
    this.clearStatus();
    this.out.write(text);
    this.drawStatus();
  }

  private flushPartial(lane: Lane): void {
    if (lane.partial === "") return;
    const line = lane.partial;
    lane.partial = "";
    this.show(`${lane.prefix}${visible(line)}\n`);
  }

  private drawStatus(): void {
    if (!this.base.isTTY || this.asking) return;
    const count = (state: State) => this.lanes.filter((l) => l.state === state).length;
    const waiting = count("waiting");
    const text = `[${count("running")} running, ${count("done")} done, ${count("failed")} failed${waiting ? `, ${waiting} waiting` : ""}]`;
    this.out.write(`\r\x1b[2K\x1b[2m${text}\x1b[22m\r`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.out.write("\r\x1b[2K");
    this.statusShown = false;
  }
}

/**
 * One host's view of the shared terminal. It has no keyboard of its own: commands get no PTY
 * (several cannot share one keyboard), and questions borrow the shared terminal's, one at a time.
 */
export class LanePty extends Pty {
  override readonly hostLabel: string;

  constructor(private readonly board: Board, private readonly lane: Lane) {
    super(board.base.stdin, { write: (data) => board.write(lane, typeof data === "string" ? data : new TextDecoder().decode(data)) }, {
      interactive: board.base.interactive,
      term: board.base.getTermVar(),
    });
    this.hostLabel = lane.name;
  }

  /** Lines, not a screen: no redraws, no cursor moves (they would mix with other hosts' lines). */
  override get isTTY(): boolean {
    return false;
  }

  override get canPassThrough(): boolean {
    return false;
  }

  override getSize(): [number, number] {
    return this.board.base.getSize();
  }

  override exclusive<T>(ask: () => Promise<T>): Promise<T> {
    return this.board.exclusive(this.lane, ask);
  }

  /** An answer asked of one host and, if the user says so, used for every other host of this run. */
  sharedAnswer<T>(key: string, ask: (others: number) => Promise<{ value: T; share: boolean }>): Promise<T> {
    return this.board.sharedAnswer(key, ask);
  }
}

/** The one-line reason a lane failed: the failing command and its status, else the error's message. */
function describeFailure(error: unknown): string {
  for (let e: unknown = error; e; e = (e as { innerException?: unknown }).innerException) {
    const result = (e as { result?: { command?: string; exitCode?: number | null; signal?: string | null } }).result;
    if (result?.command !== undefined) {
      return `${result.exitCode !== null && result.exitCode !== undefined ? `exit status ${result.exitCode}` : `stopped by ${result.signal ?? "a signal"}`}: ${result.command}`;
    }
    if (!(e as { innerException?: unknown }).innerException) break;
  }
  const inner = (error as { innerException?: unknown }).innerException ?? error;
  return inner instanceof Error ? inner.message.split("\n")[0]! : String(inner);
}

/** A line without cursor movement or erasing (colours stay). */
function visible(line: string): string {
  const plain = line.replace(/\x1b\[[0-9;?]*[A-HJKSTfhlsu]/g, "");
  // What a carriage return overwrote is gone (progress bars): keep what follows the last one.
  // (Not a regular expression: /.*\r/ backtracks from every position, quadratic on long lines.)
  const last = plain.length < 2 ? -1 : plain.lastIndexOf("\r", plain.length - 2);
  return last < 0 ? plain : plain.slice(last + 1);
}

/** A stable small number for a host name, so a host keeps its colour from run to run. */
function hash(name: string, fallback: number): number {
  let h = 0;
  for (const char of name) h = (h * 31 + char.codePointAt(0)!) >>> 0;
  return name ? h : fallback;
}
