// Node: the unit of deployment code. Fields are configuration, methods are actions.
import type { HostsDefinition } from "../host/_container.ts";
import type { HostsContainer } from "../host/_container.ts";
import type { Host } from "../host/_host.ts";
import type { Console } from "../console.ts";
import type { Env } from "./_env.ts";
import { metaOf, rawNode } from "./_meta.ts";
import { bareNodeProxy } from "./_proxy.ts";

/** Any concrete Node subclass: the framework constructs nodes, so no constructor parameters. */
export type NodeClass<T extends Node = Node> = new () => T;

/** Members that belong to the framework, never actions or children. */
export const FRAMEWORK_MEMBERS: ReadonlySet<string> = new Set([
  "constructor", "Hosts", "hosts", "host", "parent", "console", "initializeNode", "at", "then",
]);

/** Base class of every deployment node. */
export class Node {
  /** Role name → host class(es). Without it a node gets its parent's hosts. */
  Hosts?: HostsDefinition;

  // Provided by the Env an action runs in; typed here so `this.hosts` type-checks in actions.
  declare readonly hosts: HostsContainer;
  declare readonly host: Host;
  declare readonly console: Console;
  declare readonly parent: Env<Node> | undefined;
  declare initializeNode: <T extends Node>(cls: NodeClass<T>) => Env<T>;

  constructor() {
    // Subclass field initialisers run on what this returns, so children can be
    // exposed as node instances on a bare `new Root()`.
    return bareNodeProxy(this);
  }
}

/** Whether `value` is a Node subclass (the class, not an instance). */
export function isNodeClass(value: unknown): value is NodeClass {
  return typeof value === "function" && value.prototype instanceof Node;
}

/** `child(Cls)` declares a child node, typed as the child's instance so `this.git.checkout()` type-checks. */
export function child<T extends Node>(cls: NodeClass<T>): T {
  return cls as unknown as T;
}

/** Construct a node of `cls` under `parent` (a root when parent is undefined). */
export function createNode<T extends Node>(cls: NodeClass<T>, parent?: Node, name?: string): T {
  const node = new cls();
  const meta = metaOf(rawNode(node));
  meta.parent = parent;
  meta.name = name;
  if (parent !== undefined && name !== undefined) applyOverrides(parent, name, node);
  checkOverridePaths(node);
  return node;
}

/** The child node `name` of `node`, created once and then reused; undefined when there is none. */
export function childNode(node: Node, name: string): Node | undefined {
  const raw = rawNode(node);
  const meta = metaOf(raw);
  const existing = meta.children.get(name);
  if (existing) return existing;
  if (name.includes("__") || FRAMEWORK_MEMBERS.has(name)) return undefined;
  const value = dataValue(raw, name);
  if (!isNodeClass(value)) return undefined;
  const created = createNode(value, node, name);
  meta.children.set(name, created);
  return created;
}

/** Names of the child-node fields of `node`, in declaration order. */
export function childNames(node: Node): string[] {
  const raw = rawNode(node);
  return Object.keys(raw).filter((key) => !key.includes("__") && !FRAMEWORK_MEMBERS.has(key) && isNodeClass(dataValue(raw, key)));
}

/** The plain value of member `name`, never running a getter (getters are properties, evaluated on an Env). */
function dataValue(obj: object, name: string): unknown {
  for (let o: object | null = obj; o; o = Object.getPrototypeOf(o)) {
    const desc = Object.getOwnPropertyDescriptor(o, name);
    if (desc) return desc.get ? undefined : desc.value;
  }
  return undefined;
}

/** `a__b__name` splits into ["a", "b__name"]; names starting with `_` are private, not overrides. */
function splitOverride(key: string): [string, string] | undefined {
  if (key.startsWith("_")) return undefined;
  const at = key.indexOf("__");
  if (at <= 0 || at + 2 >= key.length) return undefined;
  return [key.slice(0, at), key.slice(at + 2)];
}

/** Every `name__rest` member of `parent` (fields and methods) becomes `rest` on the child. */
function applyOverrides(parent: Node, name: string, childNode: Node): void {
  const rawParent = rawNode(parent);
  const rawChild = rawNode(childNode);
  for (const key of overrideKeys(rawParent)) {
    const split = splitOverride(key);
    if (!split || split[0] !== name) continue;
    Object.defineProperty(rawChild, split[1], {
      value: Reflect.get(rawParent, key),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}

/** Own fields and prototype methods whose names look like overrides. */
function overrideKeys(raw: Node): string[] {
  const keys = new Set(Object.keys(raw));
  for (let proto = Object.getPrototypeOf(raw); proto && proto !== Node.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) keys.add(key);
  }
  return [...keys].filter((key) => splitOverride(key) !== undefined);
}

const checkedClasses = new WeakSet<Function>();

/** An override must name an existing child: `a__b__x` needs a child `a` with a child `b`. Checked once per class. */
export function checkOverridePaths(node: Node): void {
  const raw = rawNode(node);
  if (checkedClasses.has(raw.constructor)) return;
  for (const key of overrideKeys(raw)) {
    let fields = raw as unknown as Record<string, unknown>;
    let owner = describeClass(raw);
    for (let split = splitOverride(key); split; split = splitOverride(split[1])) {
      const value = fields[split[0]];
      if (!isNodeClass(value)) {
        throw new TypeError(`${describeClass(raw)}: "${key}" overrides a member of "${split[0]}", but ${owner} has no child node "${split[0]}"`);
      }
      fields = instanceFields(value);
      owner = value.name || split[0];
    }
  }
  checkedClasses.add(raw.constructor);
}

const fieldCache = new WeakMap<NodeClass, Record<string, unknown>>();

/** The field values a class's instances start with (read from one throwaway instance). */
function instanceFields(cls: NodeClass): Record<string, unknown> {
  let fields = fieldCache.get(cls);
  if (!fields) {
    fields = { ...rawNode(new cls()) };
    fieldCache.set(cls, fields);
  }
  return fields;
}

function describeClass(node: Node): string {
  return node.constructor.name || "(anonymous node)";
}
