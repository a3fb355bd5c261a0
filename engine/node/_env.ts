// Env: the execution proxy. Inside an action `this` is an Env over the node.
import { ActionException } from "../exceptions.ts";
import { HostsContainer, HostPool, hostsDefinitionOf } from "../host/_container.ts";
import { Console } from "../console.ts";
import { Pty, DummyPty } from "../pty.ts";
import { LoggerInterface, DefaultLogger } from "../loggers/index.ts";
import type { Node, NodeClass } from "./_node.ts";
import { checkOverridePaths, createNode } from "./_node.ts";
import { metaOf, rawNode, rawNodes } from "./_meta.ts";
import { lookupMember } from "./_proxy.ts";

export interface EnvOptions {
  pty?: Pty;
  logger?: LoggerInterface;
  isSandbox?: boolean;
}

/** What every Env of one run shares: terminal, loggers, sandbox flag and the host connections. */
interface Session {
  pty: Pty;
  logger: LoggerInterface;
  isSandbox: boolean;
  pool: HostPool;
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
    checkOverridePaths(node);
    const session: Session = {
      pty: options.pty ?? new DummyPty(),
      logger: options.logger ?? new LoggerInterface(),
      isSandbox: options.isSandbox ?? false,
      pool: new HostPool(),
    };
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
    await stateOf(env).session.pool.closeAll();
  }
} as unknown as {
  new <T extends Node>(node: T, options?: EnvOptions): Env<T>;
  defaultFromNode<T extends Node>(node: T, options?: EnvOptions): Env<T>;
  close(env: Node): Promise<void>;
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

function wrap(node: Node, session: Session): Node {
  const raw = rawNode(node);
  const state: EnvState = { node, session };
  const proxy: Node = new Proxy(raw, {
    get(target, prop) {
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
    case "hosts": return (state.hosts ??= new HostsContainer(hostsDefinitionOf(node), session));
    case "console": return new Console(session.pty);
    case "parent": {
      const parent = metaOf(rawNode(node)).parent;
      return parent && wrap(parent, session);
    }
    case "initializeNode":
      return <T extends Node>(cls: NodeClass<T>) => wrap(createNode(cls), session);
  }
  const member = lookupMember(rawNode(node), prop);
  switch (member.kind) {
    case "child": return wrap(member.node, session);
    case "action": return (...args: unknown[]) => invokeAction(env, prop, member.fn, args);
    case "property": return member.get.call(env);
    case "value": return member.value;
    case "missing": return undefined;
  }
}

/** Run one action: logged as a group; any failure leaves as an ActionException, wrapped once. */
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

/** Names from the root to `node`: the root's class name, then attribute names. */
export function nodePath(node: Node): string[] {
  const path: string[] = [];
  for (let n: Node | undefined = rawNode(node); n; n = metaOf(n).parent && rawNode(metaOf(n).parent!)) {
    path.unshift(metaOf(n).name ?? n.constructor.name);
  }
  return path;
}
