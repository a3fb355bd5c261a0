// The errors the CLI reports: one line on stderr, and an exit code.

/** A failure the CLI reports as one line with a given exit code (2: bad input, 1: an action failed). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2, readonly details: string[] = []) {
    super(message);
    this.name = "CliError";
  }
}
