// OnHostLogger: keeps a history of the commands run on each host, in ~/.deployer/history there.
import { hostname } from "node:os";
import { shellQuote } from "../utils.ts";
import type { Logger, RunEntry } from "./_interface.ts";

/**
 * For every command that is not sandboxed, appends one line to `~/.deployer/history` on the host
 * it runs on: `date-time | sudo | from-host | username | command` (ISO date-time in UTC; four
 * spaces instead of `sudo` when not using it; newlines in the command written as `\n`).
 *
 * The line is written by a second, silent command run through `entry.hostHandle` (silent commands
 * are not logged, so this does not recurse). It runs alongside the command; `settled()` waits for
 * the writes. A failed write is ignored: history must never fail a deployment.
 */
export class OnHostLogger implements Logger {
  private readonly fromHost = hostname();
  private readonly pending = new Set<Promise<void>>();

  /** `username`: who is deploying, as written in the history. */
  constructor(private readonly username: string) {}

  logRun(entry: RunEntry): void {
    const handle = entry.hostHandle;
    if (entry.sandbox || !handle) return;
    const line = [
      new Date().toISOString(),
      entry.useSudo ? "sudo" : "    ",
      this.fromHost,
      this.username,
      entry.command.replaceAll("\n", "\\n"),
    ].join(" | ");
    const command = `mkdir -p ~/.deployer && printf '%s\\n' ${shellQuote(line)} >> ~/.deployer/history`;
    const write: Promise<void> = Promise.resolve()
      .then(() => handle.run(command, { silent: true, interactive: false, ignoreExitStatus: true }))
      .then(() => {}, () => {})
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Resolves when every history write started so far has ended (succeeded or not). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
