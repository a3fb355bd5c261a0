// Host context: the working directory, command prefixes and environment a command runs with.
// An immutable value; scoped blocks live in one AsyncLocalStorage, keyed by host, so concurrent
// actions on the same host never see each other's `cd` (the original's shared stacks did).
import { AsyncLocalStorage } from "node:async_hooks";
import { posix } from "node:path";
import { shellQuote } from "../utils.ts";

/** One `cd`: a path, and whether a leading `~` in it means a home directory. */
export interface CdEntry {
  path: string;
  expand: boolean;
}

export interface EnvEntry {
  name: string;
  value: string;
  /** Quote the value (the default); when false it is put in the command as is, so `$VAR` expands. */
  escape: boolean;
}

export interface HostContext {
  readonly cd: readonly CdEntry[];
  readonly prefixes: readonly string[];
  readonly env: readonly EnvEntry[];
}

export const EMPTY_CONTEXT: HostContext = { cd: [], prefixes: [], env: [] };

/** Two contexts, `inner` applied inside `outer`. */
export function mergeContexts(outer: HostContext, inner: HostContext): HostContext {
  if (inner === EMPTY_CONTEXT) return outer;
  if (outer === EMPTY_CONTEXT) return inner;
  return { cd: [...outer.cd, ...inner.cd], prefixes: [...outer.prefixes, ...inner.prefixes], env: [...outer.env, ...inner.env] };
}

export function withCd(context: HostContext, path: string, expand = false): HostContext {
  if (typeof path !== "string" || path === "") throw new TypeError("cd needs a non-empty path");
  return { ...context, cd: [...context.cd, { path, expand }] };
}

export function withPrefix(context: HostContext, command: string): HostContext {
  if (typeof command !== "string" || command.trim() === "") throw new TypeError("prefix needs a command");
  return { ...context, prefixes: [...context.prefixes, command] };
}

export function withEnv(context: HostContext, name: string, value: string | null | undefined, escape = true): HostContext {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`env: "${name}" is not a valid variable name`);
  return { ...context, env: [...context.env, { name, value: value ?? "", escape }] };
}

/** The working directory the context selects, joined onto `start` (where a login begins). */
export function resolveCwd(context: HostContext, start: string, home: string): string {
  let cwd = start;
  for (const entry of context.cd) {
    const path = entry.expand ? expandTilde(entry.path, home) : entry.path;
    cwd = posix.resolve(cwd, path);
  }
  return cwd;
}

function expandTilde(path: string, home: string): string {
  return path === "~" || path.startsWith("~/") ? home + path.slice(1) : path;
}

/**
 * The directory the `cd` entries lead to, as shell text: joined from the last absolute (or `~`)
 * entry on, like the original's getcwd, so an outer directory need not exist for an inner
 * absolute one. A leading `~` or `~user` (with expand) is left to the shell; the rest is quoted.
 */
export function cdTarget(entries: readonly CdEntry[]): string | undefined {
  if (entries.length === 0) return undefined;
  const isTilde = (e: CdEntry) => e.expand && /^~[A-Za-z0-9_.-]*(\/|$)/.test(e.path);
  let start = 0;
  entries.forEach((entry, i) => { if (entry.path.startsWith("/") || isTilde(entry)) start = i; });
  const first = entries[start]!;
  let tilde = "";
  let head = first.path;
  if (isTilde(first)) {
    const slash = first.path.indexOf("/");
    tilde = slash < 0 ? first.path : first.path.slice(0, slash);
    head = slash < 0 ? "." : `./${first.path.slice(slash + 1)}`;
  }
  const path = posix.join(head, ...entries.slice(start + 1).map((e) => e.path));
  if (!tilde) return shellQuote(path);
  return path === "." ? tilde : `${tilde}/${shellQuote(path)}`;
}

/** The shell text that enters the context before a command: the cd, then the exports. */
export function contextSetup(context: HostContext, options: { sandbox: boolean }): { cd?: string; exports: string[] } {
  const target = cdTarget(context.cd);
  const cd = target && (options.sandbox ? `if [ -d ${target} ]; then cd ${target}; fi` : `cd ${target}`);
  const exports = context.env.map(({ name, value, escape }) => `export ${name}=${escape ? shellQuote(value) : value}`);
  return { cd, exports };
}

const scoped = new AsyncLocalStorage<ReadonlyMap<object, HostContext>>();

/** The context scoped blocks have set for `host` where the caller is running now. */
export function scopedContext(host: object): HostContext {
  return scoped.getStore()?.get(host) ?? EMPTY_CONTEXT;
}

/** Run `fn` with `update` applied to the scoped context of each of `hosts`, for everything `fn` awaits. */
export function runScoped<T>(hosts: readonly object[], update: (context: HostContext) => HostContext, fn: () => T): T {
  const next = new Map(scoped.getStore() ?? []);
  for (const host of hosts) next.set(host, update(next.get(host) ?? EMPTY_CONTEXT));
  return scoped.run(next, fn);
}
