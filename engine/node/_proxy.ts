// The Env proxy and the bare-node proxy: they turn member reads into plain lookups
// (child, action, property, value) and hand them to ordinary functions.
import type { Node } from "./_node.ts";
import { childNode } from "./_node.ts";
import { rawNodes } from "./_meta.ts";
import { FRAMEWORK_MEMBERS } from "./_node.ts";
import { HostPool, HostsContainer, hostsDefinitionOf } from "../host/_container.ts";
import { DummyPty } from "../pty.ts";
import { LoggerInterface } from "../loggers/index.ts";

/** What a member name refers to on a node. */
export type Member =
  | { kind: "child"; node: Node }
  | { kind: "action"; fn: (...args: unknown[]) => unknown }
  | { kind: "property"; get: () => unknown }
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
      if (typeof prop !== "string") return Reflect.get(raw, prop, receiver);
      if (prop === "then") return undefined;
      if (prop === "hosts") return new HostsContainer(hostsDefinitionOf(raw), bareSession());
      const member = lookupMember(raw, prop);
      switch (member.kind) {
        case "child": return member.node;
        case "action": return notInEnv(raw, prop);
        case "property": return member.get.call(receiver);
        case "value": return member.value;
        case "missing": return undefined;
      }
    },
  });
  rawNodes.set(proxy, target);
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
