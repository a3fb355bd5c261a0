// The one value every command returns (and every command failure holds).

/** What one command did on one host. */
export interface CommandResult {
  host: string;
  /** The command as the user wrote it (prefixes applied; no cd/export/sudo wrappers). */
  command: string;
  useSudo: boolean;
  exitCode: number | null;
  /** The signal that ended the command, when it did not exit by itself. */
  signal: string | null;
  /** Standard output (with an interactive PTY: everything the terminal showed). */
  output: string;
  stderr: string;
  durationMs: number;
}
