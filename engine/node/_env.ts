// Env: the execution proxy. Inside an action `this` is an Env over the node.
import { ActionException, DeployerException } from "../exceptions.ts";
import { HostContainer, HostsContainer, HostPool, limited } from "../host/_container.ts";
import { runInLanes } from "../_lanes.ts";
import { currentRoute, newRoute, type Interruptible, type TerminalRoute } from "../_terminal.ts";
import { Console } from "../console.ts";
import { Pty, DummyPty } from "../pty.ts";
import { LoggerInterface, DefaultLogger } from "../loggers/index.ts";
import type { Node, NodeClass } from "./_node.ts";
import { checkNodeClass, createNode } from "./_node.ts";
import { metaOf, rawNode, rawNodes } from "./_meta.ts";
import { lookupMember } from "./_proxy.ts";
import { rolesOf } from "./_roles.ts";
import { actionFlags } from "./_decorators.ts";
import { findIsolation, identifierOf, isolationsOf, type Isolation, type IsolationKey } from "./_isolation.ts";
import { ParallelActionResult } from "./_result.ts";
import { RequiredPropertyMissing } from "./_required.ts";
import { evaluateQuery } from "../query/index.ts";

/** How long interrupted commands get before SIGTERM, and again before SIGKILL. */
const INTERRUPT_GRACE_MS = 3000;

export interface EnvOptions {
  pty?: Pty;
  logger?: LoggerInterface;
  isSandbox?: boolean;
  /** Trust SSH host keys not yet in known_hosts, and record them (a changed key is still refused). */
  acceptNewHostKeys?: boolean;
  /** At most this many hosts (isolations) worked on at once; default 256. */
  parallel?: number;
}

/** What every Env of one run shares: terminal, loggers, sandbox flag and the host connections. */
interface Session {
  /** The terminal of the code running now: its route's, else the run's own. */
  readonly pty: Pty;
  /** The commands started from that terminal. */
  readonly running: Set<Interruptible>;
  /** The run's own terminal. */
  route: TerminalRoute;
  logger: LoggerInterface;
  isSandbox: boolean;
  acceptNewHostKeys: boolean;
  parallel?: number;
  pool: HostPool;
  /** The sandboxed twin of this session (its own hosts, which run syntax checks only). */
  sandbox?: Session;
}

function makeSession(fields: Omit<Session, "pty" | "running">): Session {
  return {
    ...fields,
    get pty() { return (currentRoute() ?? this.route).pty; },
    get running() { return (currentRoute() ?? this.route).running; },
  };
}

interface EnvState {
  node: Node;
  session: Session;
  hosts?: HostsContainer;
}

const states = new WeakMap<object, EnvState>();

/** A node wrapped for execution: typed as the node, so actions and children type-check. */
export type Env<T extends Node = Node> = T;

/** Wraps a node so its actions can run; `new Env(node)` returns the wrapped node. */
export const Env = class Env {
  constructor(node: Node, options: EnvOptions = {}) {
    checkNodeClass(node);
    const session = makeSession({
      route: newRoute(options.pty ?? new DummyPty()),
      logger: options.logger ?? new LoggerInterface(),
      isSandbox: options.isSandbox ?? false,
      acceptNewHostKeys: options.acceptNewHostKeys ?? false,
      parallel: options.parallel,
      pool: new HostPool(),
    });
    return wrap(node, session) as unknown as Env;
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && states.has(value);
  }

  /** An Env over the process's stdin/stdout, non-interactive, with the default logger. */
  static defaultFromNode<T extends Node>(node: T, options: EnvOptions = {}): T {
    const pty = options.pty ?? new Pty(process.stdin, process.stdout, { interactive: false });
    const logger = options.logger ?? new LoggerInterface([new DefaultLogger(pty.stdout)]);
    return new Env(node, { ...options, pty, logger }) as unknown as T;
  }

  /** Close every host connection opened by the Envs of `env`'s run. */
  static async close(env: Node): Promise<void> {
    const { session } = stateOf(env);
    // Loggers that write on hosts (OnHostLogger) finish before the connections close.
    await session.logger.settled();
    await Promise.all([session.pool.closeAll(), session.sandbox?.pool.closeAll()]);
  }

  /**
   * Send SIGINT (or `signal`) to every command started from the terminal of the caller, and to the
   * processes those started (what Ctrl-C in the shell does: other terminals of a shared session
   * keep theirs); returns how many. Those still running 3 s later get SIGTERM, and SIGKILL 3 s after
   * that: a shell ignores SIGINT in what it started with `&`, which would otherwise run on (and
   * hold the command open).
   */
  static interrupt(env: Node, signal: "INT" | "TERM" | "HUP" | "KILL" = "INT"): number {
    const set = stateOf(env).session.running;
    const running = [...set];
    for (const proc of running) proc.signal(signal);
    if (signal !== "KILL") {
      const later = (ms: number, next: "TERM" | "KILL") => setTimeout(() => {
        for (const proc of running) if (set.has(proc)) proc.signal(next);
      }, ms).unref();
      later(INTERRUPT_GRACE_MS, "TERM");
      later(2 * INTERRUPT_GRACE_MS, "KILL");
    }
    return running.length;
  }

  /** An Env over the same node in the same run, but sandboxed (commands are syntax-checked only). */
  static sandboxed<T extends Node>(env: T): T {
    const { node, session } = stateOf(env);
    if (session.isSandbox) return env;
    session.sandbox ??= makeSession({ ...session, route: session.route, isSandbox: true, pool: new HostPool(), sandbox: undefined });
    return wrap(node, session.sandbox) as T;
  }
} as unknown as {
  new <T extends Node>(node: T, options?: EnvOptions): Env<T>;
  defaultFromNode<T extends Node>(node: T, options?: EnvOptions): Env<T>;
  close(env: Node): Promise<void>;
  interrupt(env: Node, signal?: "INT" | "TERM" | "HUP" | "KILL"): number;
  sandboxed<T extends Node>(env: T): T;
};

function stateOf(env: object): EnvState {
  const state = states.get(env);
  if (!state) throw new TypeError("not an Env");
  return state;
}

/** The node an Env wraps (the Env itself is not a node). */
export function nodeOfEnv(env: Node): Node {
  return stateOf(env).node;
}

/** An Env over `node` sharing `env`'s run (terminal, loggers, connections). */
export function envLike(env: Node, node: Node): Node {
  return wrap(node, stateOf(env).session);
}

function wrap(node: Node, session: Session): Node {
  const raw = rawNode(node);
  const state: EnvState = { node: raw, session };
  const proxy: Node = new Proxy(raw, {
    get(target, prop) {
      if (prop === Symbol.iterator) return () => isolationsOf(raw).map((i) => wrap(i.node, session))[Symbol.iterator]();
      if (typeof prop !== "string") return Reflect.get(target, prop);
      return envGet(proxy, state, prop);
    },
    set(_target, prop) {
      throw new TypeError(`an Env is immutable: cannot assign "${String(prop)}"`);
    },
  });
  states.set(proxy, state);
  rawNodes.set(proxy, raw);
  return proxy;
}

function envGet(env: Node, state: EnvState, prop: string): unknown {
  const { node, session } = state;
  switch (prop) {
    case "then": return undefined;
    case "hosts": return (state.hosts ??= new HostsContainer(rolesOf(node), session));
    case "host": return hostOf(node, session);
    case "console": return new Console(session.pty);
    case "parent": {
      const parent = metaOf(node).parent;
      return parent && wrap(parent, session);
    }
    case "initializeNode":
      return <T extends Node>(cls: NodeClass<T>) => wrap(createNode(cls), session);
    case "at":
      return (key: IsolationKey) => wrap(findIsolation(node, key).node, session);
  }
  const member = lookupMember(node, prop);
  switch (member.kind) {
    case "child": return wrap(member.node, session);
    case "action": return (...args: unknown[]) => callAction(env, prop, member.fn, args);
    case "property": return readProperty(env, state, member.get);
    case "query": {
      const context = { node: nodePath(node).join("."), attrName: prop };
      return readProperty(env, state, function (this: Node) { return evaluateQuery(member.query, this, context); });
    }
    case "required": throw new RequiredPropertyMissing(nodePath(node).join("."), prop, member.description);
    case "value": return member.value;
    case "missing": return undefined;
  }
}

/** `this.host`: the single host of an isolated cell. */
function hostOf(node: Node, session: Session): HostContainer {
  const hosts = rolesOf(node).get("host") ?? [];
  if (!metaOf(node).isolated || hosts.length !== 1) {
    const where = nodePath(node).join(".");
    throw new DeployerException(metaOf(node).isolated
      ? `${where}: this.host needs exactly one host in the "host" role, but there are ${hosts.length}`
      : `${where}: this.host exists only on an isolated ParallelNode (inside an action run per host); use this.hosts here`);
  }
  return new HostContainer(hosts[0]!, session);
}

/** A getter (or query) on an isolated node is read there; on a node that is not, on every isolation. */
function readProperty(env: Node, state: EnvState, get: () => unknown): unknown {
  if (metaOf(state.node).isolated) return get.call(env);
  const isolations = isolationsOf(state.node);
  return new ParallelActionResult(
    isolations.map((i) => {
      const cell = wrap(i.node, state.session);
      return [cell, get.call(cell)] as const;
    }),
    isolations.map(isolationName),
  );
}

/**
 * Call an action. On an isolated node it runs here; on a ParallelNode that is not isolated it runs
 * on every isolation at once and resolves to a ParallelActionResult (or, with @isolateOneOnly, on
 * one chosen isolation; with @dontIsolateYet, once here).
 */
async function callAction(env: Node, name: string, fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<unknown> {
  const { node, session } = stateOf(env);
  const flags = actionFlags(fn);
  if (metaOf(node).isolated || flags.dontIsolateYet) return invokeAction(env, name, fn, args);
  const isolations = isolationsOf(node);
  const path = nodePath(node).concat(name).join(".");
  if (isolations.length === 0) {
    session.logger.logMsg(`Nothing to do. No hosts in ${path}`);
    return new ParallelActionResult([], []);
  }
  if (flags.isolateOneOnly && isolations.length > 1) {
    const chosen = await new Console(session.pty).choice(
      "Choose a host",
      isolations.map((i) => [isolationName(i), i] as [string, Isolation]),
      { allowRandom: true },
    );
    return invokeAction(wrap(chosen.node, session), name, fn, args);
  }
  const cells = isolations.map((i) => wrap(i.node, session));
  const names = isolations.map(isolationName);
  const tasks = cells.map((cell) => () => invokeAction(cell, name, fn, args));
  // Several hosts share the terminal in lanes; nested lanes leave the summary to the outermost.
  const settled = cells.length > 1
    ? await runInLanes(names, tasks, session.route, { limit: session.parallel, summary: !currentRoute()?.pty.hostLabel })
    : await limited(tasks, session.parallel);
  if (settled.some((s) => s.status === "rejected")) {
    const outcomes = new Map(settled.map((s, i) => [names[i]!, s.status === "fulfilled"
      ? { ok: true as const, value: s.value }
      : { ok: false as const, error: s.reason instanceof ActionException ? s.reason.innerException : s.reason }]));
    const firstError = [...outcomes.values()].find((o) => !o.ok) as { error: unknown };
    throw new ActionException(firstError.error, path, outcomes);
  }
  return new ParallelActionResult(settled.map((s, i) => [cells[i]!, (s as PromiseFulfilledResult<unknown>).value] as const), names);
}

/** Run one action here: logged as a group; any failure leaves as an ActionException, wrapped once. */
async function invokeAction(env: Node, name: string, fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<unknown> {
  const { node, session } = stateOf(env);
  const path = nodePath(node).concat(name).join(".");
  return session.logger.group(path, args, async () => {
    try {
      return await fn.apply(env, args);
    } catch (error) {
      if (error instanceof ActionException) throw error;
      throw new ActionException(error, path);
    }
  });
}

/** An isolation's name: its host slugs, joined with "/" for nested arrays. */
export function isolationName(isolation: Isolation): string {
  return identifierOf(isolation, "HOSTS_SLUG").join("/");
}

/** Names from the root to `node`: the root's class name, then attribute names, with `[slug]` on cells. */
export function nodePath(node: Node): string[] {
  const path: string[] = [];
  for (let n: Node | undefined = rawNode(node); n; n = metaOf(n).parent) {
    const meta = metaOf(n);
    const last = meta.isolation.at(-1);
    const ownStep = last && (!meta.parent || metaOf(meta.parent).isolation.at(-1) !== last);
    path.unshift((meta.name ?? n.constructor.name) + (ownStep ? `[${last.slug}]` : ""));
  }
  return path;
}
