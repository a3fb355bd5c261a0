// The errors deployer raises. Each has a stable `code` so callers can tell them apart.
import type { CommandResult } from "./host/_result.ts";

/** Base class of every error deployer raises on purpose. */
export class DeployerException extends Error {
  readonly code: string = "DEPLOYER";
  override name = "DeployerException";
}

/** A command exited non-zero; holds the whole result (host, command, status, output). */
export class ExecCommandFailed extends DeployerException {
  override readonly code = "EXEC_COMMAND_FAILED";
  override name = "ExecCommandFailed";
  /** `unseen`: output the user has not seen (a quiet command's error output), added to the message. */
  constructor(readonly result: CommandResult, unseen?: string) {
    const what = result.exitCode !== null
      ? `Executing "${result.command}" on "${result.host}" failed with status code: ${result.exitCode}`
      : `Executing "${result.command}" on "${result.host}" was stopped by ${result.signal ?? "an unknown signal"}`;
    const tail = unseen?.trim().split("\n").slice(-3).join(" / ");
    super(tail ? `${what} (${tail})` : what);
  }
  get command(): string { return this.result.command; }
  get host(): string { return this.result.host; }
  get statusCode(): number | null { return this.result.exitCode; }
  get output(): string { return this.result.output; }
  get useSudo(): boolean { return this.result.useSudo; }
}

/** Evaluating a `Q` query failed; names the node, the attribute, the expression and where it was written. */
export class QueryException extends DeployerException {
  override readonly code = "QUERY_FAILED";
  override name = "QueryException";
  constructor(
    readonly node: string,
    readonly attrName: string,
    readonly query: string,
    readonly innerException: unknown,
    readonly location?: string,
  ) {
    super(`Running query ${attrName}:=${query} on "${node}" failed${location ? ` (written at ${location})` : ""}: ${messageOf(innerException)}`);
  }
}

/** An action failed. Raised once at the outermost action boundary; `innerException` is the cause. */
export class ActionException extends DeployerException {
  override readonly code = "ACTION_FAILED";
  override name = "ActionException";
  constructor(
    readonly innerException: unknown,
    readonly action: string,
    /** For parallel calls: every isolation's value or error, keyed by isolation name. */
    readonly outcomes?: Map<string, { ok: true; value: unknown } | { ok: false; error: unknown }>,
  ) {
    super(outcomes ? summarize(action, outcomes) : `${action}: ${messageOf(innerException)}`, { cause: innerException });
  }
}

function summarize(action: string, outcomes: Map<string, { ok: true; value: unknown } | { ok: false; error: unknown }>): string {
  const failed = [...outcomes].filter(([, o]) => !o.ok) as Array<[string, { error: unknown }]>;
  return `${action} failed on ${failed.length} of ${outcomes.size}: ${failed.map(([name, o]) => `${name}: ${messageOf(o.error)}`).join("; ")}`;
}

/** Connecting to a host failed; names the host and the cause. */
export class ConnectionFailedException extends DeployerException {
  override readonly code = "CONNECTION_FAILED";
  override name = "ConnectionFailedException";
  constructor(readonly host: string, readonly reason: string, options?: ErrorOptions) {
    super(`cannot connect to ${host}: ${reason}`, options);
  }
}

/** A command ran past its `timeout`: it and the processes it started were stopped. */
export class ExecCommandTimedOut extends DeployerException {
  override readonly code = "EXEC_COMMAND_TIMED_OUT";
  override name = "ExecCommandTimedOut";
  constructor(readonly host: string, readonly command: string, readonly seconds: number) {
    super(`Executing "${command}" on "${host}" timed out after ${seconds}s (it and the processes it started were stopped)`);
  }
}

/** The message of any thrown value, for one-line reports. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
