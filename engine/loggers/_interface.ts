// The logger plug-in API: the hooks a logger may have, and the interface that fans events out to them.
export interface RunEntry {
  host: string;
  command: string;
  useSudo: boolean;
  sandbox: boolean;
}

/** How a command ended (absent when it never started, e.g. the host was unreachable). */
export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
}

/** A plug-in; every hook is optional. */
export interface Logger {
  enterGroup?(name: string, args: readonly unknown[]): void;
  leaveGroup?(): void;
  /** Called when a command starts; the returned function is called when it ends. */
  logRun?(entry: RunEntry): ((succeeded: boolean, outcome?: RunOutcome) => void) | void;
  logMsg?(message: string): void;
  logException?(error: unknown): void;
}

/** Fans events out to the attached loggers. */
export class LoggerInterface {
  private readonly loggers: Logger[];

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

  /** Run `fn` as a named group (an action call) on every logger attached now. */
  async group<T>(name: string, args: readonly unknown[], fn: () => Promise<T>): Promise<T> {
    const loggers = [...this.loggers];
    for (const logger of loggers) logger.enterGroup?.(name, args);
    try {
      return await fn();
    } finally {
      for (const logger of loggers) logger.leaveGroup?.();
    }
  }

  /** Record a command; call `complete` on the result when it ends. */
  logRun(entry: RunEntry): { complete(succeeded: boolean, outcome?: RunOutcome): void } {
    const callbacks = this.loggers.map((logger) => logger.logRun?.(entry)).filter((cb) => typeof cb === "function");
    let done = false;
    return {
      complete(succeeded, outcome) {
        if (done) return;
        done = true;
        for (const cb of callbacks) cb(succeeded, outcome);
      },
    };
  }

  logMsg(message: string): void {
    for (const logger of this.loggers) logger.logMsg?.(message);
  }

  logException(error: unknown): void {
    for (const logger of this.loggers) logger.logException?.(error);
  }
}
