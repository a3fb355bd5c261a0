// The bare-node proxy, and member lookup shared with the Env proxy: they turn member reads into
// plain data (child, action, property, value) handed to ordinary functions.
import type { Node } from "./_node.ts";
import { childNode, FRAMEWORK_MEMBERS } from "./_node.ts";
import { bareProxies, rawNodes } from "./_meta.ts";
import { HostPool, HostsContainer } from "../host/_container.ts";
import { DummyPty } from "../pty.ts";
import { LoggerInterface } from "../loggers/index.ts";
import { RequiredProperty } from "./_required.ts";
import { isQuery, type Query } from "../query/index.ts";
import { rolesOf } from "./_roles.ts";
import { findIsolation, isolationsOf, type IsolationKey } from "./_isolation.ts";

/** What a member name refers to on a node. */
export type Member =
  | { kind: "child"; node: Node }
  | { kind: "action"; fn: (...args: unknown[]) => unknown }
  | { kind: "property"; get: () => unknown }
  | { kind: "required"; description: string }
  | { kind: "query"; query: Query }
  | { kind: "value"; value: unknown }
  | { kind: "missing" };

/** Classify member `name` of the raw node `raw`. */
export function lookupMember(raw: Node, name: string): Member {
  const node = childNode(raw, name);
  if (node) return { kind: "child", node };
  for (let obj: object | null = raw; obj && obj !== Object.prototype; obj = Object.getPrototypeOf(obj)) {
    const desc = Object.getOwnPropertyDescriptor(obj, name);
    if (!desc) continue;
    if (desc.get) return { kind: "property", get: desc.get };
    if (desc.value instanceof RequiredProperty) return { kind: "required", description: desc.value.description };
    if (isQuery(desc.value)) return { kind: "query", query: desc.value };
    if (typeof desc.value === "function" && !isClass(desc.value) && !FRAMEWORK_MEMBERS.has(name)) {
      return { kind: "action", fn: desc.value };
    }
    return { kind: "value", value: desc.value };
  }
  return { kind: "missing" };
}

function isClass(fn: Function): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** Wrap a freshly constructed node so that `root.child` is a node and actions refuse to run. */
export function bareNodeProxy<T extends Node>(target: T): T {
  const proxy = new Proxy(target, {
    get(raw, prop, receiver) {
      if (prop === Symbol.iterator) return () => isolationsOf(raw).map((i) => i.node)[Symbol.iterator]();
      if (typeof prop !== "string") return Reflect.get(raw, prop, receiver);
      switch (prop) {
        case "then": return undefined;
        case "hosts": return new HostsContainer(rolesOf(raw), bareSession());
        case "at": return (key: IsolationKey) => findIsolation(raw, key).node;
      }
      const member = lookupMember(raw, prop);
      switch (member.kind) {
        case "child": return member.node;
        case "action": return notInEnv(raw, prop);
        case "property": return member.get.call(receiver);
        case "required": return undefined;
        case "query": return member.query;
        case "value": return member.value;
        case "missing": return undefined;
      }
    },
  });
  rawNodes.set(proxy, target);
  bareProxies.set(target, proxy);
  return proxy;
}

/** Hosts of a bare node belong to no run: a terminal that captures, no loggers. */
function bareSession() {
  return { pty: new DummyPty(), logger: new LoggerInterface(), isSandbox: false, pool: new HostPool() };
}

function notInEnv(raw: Node, name: string): () => never {
  return () => {
    throw new TypeError(`cannot call action "${name}" on a bare ${raw.constructor.name} node: wrap it in an Env first (new Env(node))`);
  };
}
