// The logger plug-in API: the hooks a logger may have, and the interface that fans events out to them.
import { AsyncLocalStorage } from "node:async_hooks";

/**
 * One group (an action call) as seen from inside it. Concurrent branches each see their own
 * chain of scopes, so a logger can place events without a shared push/pop stack.
 */
export interface LogScope {
  /** Unique within one LoggerInterface; a logger may use it as a map key. */
  id: number;
  name: string;
  args: readonly unknown[];
  /** The enclosing group, if any. */
  parent?: LogScope;
  /** How many groups enclose an event in this scope, this one included (1 for a top-level group). */
  depth: number;
}

/** What a logger may do on the host a command ran on: run one more, silent, command. */
export interface HostHandle {
  run(command: string, options: { silent: true; interactive: false; ignoreExitStatus: true }): Promise<unknown>;
}

/** A command about to run. */
export interface RunEntry {
  host: string;
  command: string;
  useSudo: boolean;
  sandbox: boolean;
  /** The group the command runs in; filled in by LoggerInterface.logRun (callers leave it out). */
  scope?: LogScope;
  /**
   * The host the command runs on, for loggers that record something there (OnHostLogger).
   * Commands run through it with `silent: true` are not logged, so a logger cannot recurse.
   */
  hostHandle?: HostHandle;
}

/** How a command ended (absent when it never started, e.g. the host was unreachable). */
export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
}

/** A remote file being opened, read or written. */
export interface FileEntry {
  host: string;
  /** The open mode: "r", "w", "rb", "wb", "a", … */
  mode: string;
  remotePath: string;
  localPath?: string;
  useSudo: boolean;
  sandbox: boolean;
  /** The group the file is opened in; filled in by LoggerInterface.logFile. */
  scope?: LogScope;
}

/** A plug-in; every hook is optional. A hook that throws is ignored, never fails the run. */
export interface Logger {
  enterGroup?(name: string, args: readonly unknown[], scope: LogScope): void;
  leaveGroup?(scope: LogScope): void;
  /** Called when a command starts; the returned function is called when it ends. */
  logRun?(entry: RunEntry): ((succeeded: boolean, outcome?: RunOutcome) => void) | void;
  /** Called when a file is opened; the returned function is called when it is closed. */
  logFileOpened?(entry: FileEntry): ((succeeded: boolean) => void) | void;
  logMsg?(message: string, scope?: LogScope): void;
  logException?(error: unknown, scope?: LogScope): void;
  /** Resolves when work the logger started in the background (e.g. a remote write) has ended. */
  settled?(): Promise<void>;
}

/** Fans events out to the attached loggers; safe to use from concurrent branches. */
export class LoggerInterface {
  private readonly loggers: Logger[];
  private readonly scopes = new AsyncLocalStorage<LogScope>();
  private nextId = 1;

  constructor(loggers: Logger[] = []) {
    this.loggers = [...loggers];
  }

  attach(logger: Logger): void {
    this.loggers.push(logger);
  }

  detach(logger: Logger): void {
    const index = this.loggers.indexOf(logger);
    if (index >= 0) this.loggers.splice(index, 1);
  }

  /** Attach `logger` while `fn` runs. */
  async attachInBlock<T>(logger: Logger, fn: () => Promise<T>): Promise<T> {
    this.attach(logger);
    try {
      return await fn();
    } finally {
      this.detach(logger);
    }
  }

  /** The group the caller is in (per async context), if any. */
  get currentScope(): LogScope | undefined {
    return this.scopes.getStore();
  }

  /** Run `fn` as a named group (an action call) on every logger attached now. */
  async group<T>(name: string, args: readonly unknown[], fn: () => Promise<T>): Promise<T> {
    const parent = this.currentScope;
    const scope: LogScope = { id: this.nextId++, name, args, parent, depth: (parent?.depth ?? 0) + 1 };
    const loggers = [...this.loggers];
    for (const logger of loggers) quietly(() => logger.enterGroup?.(name, args, scope));
    try {
      return await this.scopes.run(scope, fn);
    } finally {
      for (const logger of loggers) quietly(() => logger.leaveGroup?.(scope));
    }
  }

  /** Record a command; call `complete` on the result when it ends. */
  logRun(entry: RunEntry): { complete(succeeded: boolean, outcome?: RunOutcome): void } {
    const scoped: RunEntry = { ...entry, scope: this.currentScope };
    const callbacks = this.loggers.map((logger) => quietly(() => logger.logRun?.(scoped)));
    return once((succeeded: boolean, outcome?: RunOutcome) => {
      for (const cb of callbacks) if (typeof cb === "function") quietly(() => cb(succeeded, outcome));
    });
  }

  /** Record a file being opened; call `complete` on the result when it is closed. */
  logFile(entry: FileEntry): { complete(succeeded: boolean): void } {
    const scoped: FileEntry = { ...entry, scope: this.currentScope };
    const callbacks = this.loggers.map((logger) => quietly(() => logger.logFileOpened?.(scoped)));
    return once((succeeded: boolean) => {
      for (const cb of callbacks) if (typeof cb === "function") quietly(() => cb(succeeded));
    });
  }

  logMsg(message: string): void {
    const scope = this.currentScope;
    for (const logger of this.loggers) quietly(() => logger.logMsg?.(message, scope));
  }

  logException(error: unknown): void {
    const scope = this.currentScope;
    for (const logger of this.loggers) quietly(() => logger.logException?.(error, scope));
  }

  /** Wait for background work of the attached loggers (call before closing hosts). */
  async settled(): Promise<void> {
    await Promise.all(this.loggers.map((logger) => Promise.resolve(quietly(() => logger.settled?.())).catch(() => {})));
  }
}

/** Render action arguments for a log line, like a call: `'a', 1, [2, 3]`. Never throws. */
export function formatArgs(args: readonly unknown[]): string {
  return args.map((arg) => formatValue(arg, 2)).join(", ");
}

function formatValue(value: unknown, depth: number): string {
  try {
    if (typeof value === "string") return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")}'`;
    if (value === null || typeof value !== "object" && typeof value !== "function") return String(value);
    if (typeof value === "function") return `<function ${value.name || "anonymous"}>`;
    if (depth === 0) return "…";
    if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, depth - 1)).join(", ")}]`;
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `<${proto?.constructor?.name ?? "object"}>`;
    const fields = Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v, depth - 1)}`);
    return `{${fields.join(", ")}}`;
  } catch {
    // A proxy (an Env node) may refuse to be looked at; a log line must not fail because of it.
    return "<?>";
  }
}

/**
 * Call a logger hook. A broken plug-in must not fail a deployment or keep other loggers from
 * hearing about it, so its exceptions (and rejections, if it returned a promise) are dropped.
 */
function quietly<T>(fn: () => T): T | undefined {
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(() => {});
    return result;
  } catch {
    return undefined;
  }
}

function once<A extends unknown[]>(fn: (...args: A) => void): { complete(...args: A): void } {
  let done = false;
  return {
    complete(...args: A) {
      if (done) return;
      done = true;
      fn(...args);
    },
  };
}
