// FileLogger: the --log file, one JSON object per command.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger, RunEntry, RunOutcome } from "./_interface.ts";

/**
 * Appends one JSON object per command to a file (`--log FILE`): time, host, command, sudo,
 * sandbox, exit status and duration. Commands never contain passwords (sudo reads them on stdin).
 */
export class FileLogger implements Logger {
  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, "", { mode: 0o600 });
  }

  logRun(entry: RunEntry): (succeeded: boolean, outcome?: RunOutcome) => void {
    const started = new Date();
    return (succeeded, outcome) => {
      const record = {
        time: started.toISOString(),
        host: entry.host,
        command: entry.command,
        sudo: entry.useSudo,
        sandbox: entry.sandbox,
        succeeded,
        exitStatus: outcome?.exitCode ?? null,
        signal: outcome?.signal ?? null,
        durationMs: outcome ? Math.round(outcome.durationMs) : null,
      };
      appendFileSync(this.path, `${JSON.stringify(record)}\n`);
    };
  }
}
