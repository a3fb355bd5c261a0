// cd / prefix / env, shared by hosts and host containers: with a function, a scoped block;
// without, a derived handle.
import { inspect } from "../_builtins.ts";
import { INSPECT_CUSTOM } from "../_inspect_custom.ts";
import { withCd, withEnv, withPrefix, type HostContext } from "./_context.ts";

/** Fields that hold credentials (a private key's text included): printed as `***`. */
const SECRET_FIELDS = new Set(["password", "rsaKey", "rsaKeyPassword"]);

export interface CdOptions {
  /** A leading `~` (or `~user`) means that home directory. */
  expand?: boolean;
}

export interface EnvOptions {
  /** Quote the value (default true); false puts it in as is, so `$VAR` expands. */
  escape?: boolean;
}

/** Something commands run on, whose context can be extended for a block or a handle. */
export abstract class ContextScoped {
  /** Apply `update` for the commands inside `fn` (a block), or return a handle that always applies it. */
  protected abstract scope<T>(update: (context: HostContext) => HostContext, fn: (() => T) | undefined): this | Promise<Awaited<T>>;

  /** Run commands in directory `path`: `x.cd(p, async () => …)` for a block, `x.cd(p).run(…)` for one handle. */
  cd(path: string, options?: CdOptions): this;
  cd<T>(path: string, fn: () => T): Promise<Awaited<T>>;
  cd<T>(path: string, options: CdOptions, fn: () => T): Promise<Awaited<T>>;
  cd<T>(path: string, a?: CdOptions | (() => T), b?: () => T): this | Promise<Awaited<T>> {
    const [options, fn] = typeof a === "function" ? [{}, a] : [a ?? {}, b];
    return this.scope((c) => withCd(c, path, options.expand ?? false), fn);
  }

  /** Run commands after `command` (joined with &&), e.g. `source venv/bin/activate`. */
  prefix(command: string): this;
  prefix<T>(command: string, fn: () => T): Promise<Awaited<T>>;
  prefix<T>(command: string, fn?: () => T): this | Promise<Awaited<T>> {
    return this.scope((c) => withPrefix(c, command), fn);
  }

  /** Run commands with environment variable `name` set to `value`. */
  env(name: string, value: string | null | undefined, options?: EnvOptions): this;
  env<T>(name: string, value: string | null | undefined, fn: () => T): Promise<Awaited<T>>;
  env<T>(name: string, value: string | null | undefined, options: EnvOptions, fn: () => T): Promise<Awaited<T>>;
  env<T>(name: string, value: string | null | undefined, a?: EnvOptions | (() => T), b?: () => T): this | Promise<Awaited<T>> {
    const [options, fn] = typeof a === "function" ? [{}, a] : [a ?? {}, b];
    return this.scope((c) => withEnv(c, name, value, options.escape ?? true), fn);
  }

  /**
   * How a host or container prints (console.log, an action's result, --inspect): its settings with
   * credentials as `***`, and none of the run's internals (connections, answers typed at prompts).
   */
  [INSPECT_CUSTOM](): string {
    return `${this.constructor.name} ${inspect(this.toJSON())}`;
  }

  /** As JSON (JSON.stringify in a log line or a report): the same settings, credentials as `***`. */
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this).map(([key, value]) => [key, SECRET_FIELDS.has(key) && value ? "***" : value]));
  }
}
