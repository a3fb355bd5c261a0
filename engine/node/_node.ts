// Node and ParallelNode: the units of deployment code. Fields are configuration, methods are actions.
import type { HostsContainer, HostContainer, HostsDefinition } from "../host/_container.ts";
import type { Console } from "../console.ts";
import { metaOf, NODE_TYPE, nodeTypeOf, rawNode, type IsolationStep, type NodeType } from "./_meta.ts";
import { bareNodeProxy } from "./_proxy.ts";
import type { ParallelActionResult } from "./_result.ts";
import type { IsolationKey } from "./_isolation.ts";
import { originOf, rolesOf, subclass } from "./_roles.ts";

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
  /** The one host of an isolated ParallelNode cell. */
  declare readonly host: HostContainer;
  declare readonly console: Console;
  declare readonly parent: any;
  /** A fresh root node of `cls`, sharing this run's terminal, loggers and connections. */
  declare initializeNode: <T extends Node>(cls: NodeClass<T>) => T;

  constructor() {
    // Subclass field initialisers run on what this returns, so children can be
    // exposed as node instances on a bare `new Root()`.
    return bareNodeProxy(this);
  }
}

const arrays = new WeakMap<Function, NodeClass>();
const justOnes = new WeakMap<Function, NodeClass>();

/**
 * A node whose actions run once per host of its `host` role, concurrently, each on an isolated
 * cell where `this.host` is that one host. Nest it in a Node as `X.Array` (every host) or
 * `X.JustOne` (exactly one host).
 */
export class ParallelNode extends Node {
  static readonly [NODE_TYPE]: NodeType = "parallel";

  /** This ParallelNode nested in a Node: one cell per host (typed loosely: see arrayOf for precise types). */
  static get Array(): new () => any {
    return arrayOf(this as unknown as NodeClass);
  }

  /** This ParallelNode nested in a Node, on exactly one host. */
  static get JustOne(): new () => any {
    return justOneOf(this as unknown as NodeClass);
  }
}

/**
 * A ParallelNode seen from outside its isolations: each action resolves to one result per host,
 * `at(key)` is one isolation, and iterating yields the isolations.
 */
export type Parallel<T extends Node> = Node & {
  [K in Exclude<keyof T, keyof Node>]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<ParallelActionResult<R>> : T[K];
} & {
  at(key: IsolationKey): T;
  [Symbol.iterator](): Iterator<T>;
};

/** `X.Array` with precise types: `child(arrayOf(Web))` types `this.web.deploy()` as resolving per host. */
export function arrayOf<T extends Node>(cls: NodeClass<T>): NodeClass<Parallel<T>> {
  return nestedVariant(cls, "array", arrays) as unknown as NodeClass<Parallel<T>>;
}

/** `X.JustOne` with X's precise type. */
export function justOneOf<T extends Node>(cls: NodeClass<T>): NodeClass<T> {
  return nestedVariant(cls, "justOne", justOnes) as NodeClass<T>;
}

function nestedVariant(cls: NodeClass, type: "array" | "justOne", cache: WeakMap<Function, NodeClass>): NodeClass {
  const suffix = type === "array" ? "Array" : "JustOne";
  const current = nodeTypeOf(cls);
  if (current !== "parallel") {
    throw new TypeError(`${cls.name}.${suffix}: only a plain ParallelNode has .${suffix}` + (current === "normal" ? ` (${cls.name} is a Node)` : ` (${cls.name} is already .${current === "array" ? "Array" : "JustOne"})`));
  }
  let variant = cache.get(cls);
  if (!variant) {
    variant = subclass(cls);
    Object.defineProperty(variant, "name", { value: `${cls.name}.${suffix}` });
    Object.defineProperty(variant, NODE_TYPE, { value: type });
    cache.set(cls, variant);
  }
  return variant;
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
  const type = nodeTypeOf(cls);
  if (parent === undefined && (type === "array" || type === "justOne")) {
    throw new TypeError(`${cls.name} cannot be a root node: .Array and .JustOne exist only inside a parent node`);
  }
  if (parent !== undefined) {
    checkNesting(rawNode(parent).constructor as NodeClass, cls, name!);
    checkNotCyclic(parent, cls, name!);
  }
  const node = new cls();
  const meta = metaOf(node);
  meta.parent = parent;
  meta.name = name;
  if (parent !== undefined && name !== undefined) applyOverrides(parent, name, node);
  checkNodeClass(node);
  const parentMeta = parent && metaOf(parent);
  meta.isolated = parentMeta ? parentMeta.isolated && type !== "array" : type === "normal";
  meta.isolation = parentMeta ? [...parentMeta.isolation] : [];
  if (type === "justOne") {
    const hosts = rolesOf(node).get("host") ?? [];
    if (hosts.length !== 1) throw new TypeError(`${cls.name} needs exactly one host in its "host" role, but ${hosts.length} ${hosts.length === 1 ? "is" : "are"} given`);
  }
  return node;
}

/** A ParallelNode inside a Node needs .Array or .JustOne; inside a ParallelNode it must not have them. */
function checkNesting(parentCls: NodeClass, childCls: NodeClass, name: string): void {
  const parentType = nodeTypeOf(parentCls);
  const childType = nodeTypeOf(childCls);
  if (parentType === "normal" && childType === "parallel") {
    throw new TypeError(`${parentCls.name}.${name}: a ParallelNode (${childCls.name}) inside a Node must be nested as ${childCls.name}.Array or ${childCls.name}.JustOne`);
  }
  if (parentType !== "normal" && (childType === "array" || childType === "justOne")) {
    throw new TypeError(`${parentCls.name}.${name}: ${childCls.name} cannot be nested in the ParallelNode ${parentCls.name}; use the plain ParallelNode class instead`);
  }
}

/**
 * A node cannot contain a node of its own class at any depth (A has child B, B has child A, or a
 * node refers to itself): its tree would never end, so walking it (the shell's find, Inspector.walk)
 * would hang. Said when the repeating child is first reached, naming the chain.
 */
function checkNotCyclic(parent: Node, cls: NodeClass, name: string): void {
  const chain: string[] = [];
  let childName = name;
  for (let n: Node | undefined = rawNode(parent); n; n = metaOf(n).parent) {
    chain.unshift(`${n.constructor.name}.${childName}`);
    if (originOf(n.constructor) === originOf(cls)) {
      throw new TypeError(`cyclic child nodes: ${chain.join(" → ")} is ${cls.name} again; a node cannot contain its own class, or its tree would never end`);
    }
    childName = metaOf(n).name ?? "";
  }
}

/** An isolated copy of `node` standing for one host of its `host` role. */
export function createCell<T extends Node>(node: T, step: IsolationStep): T {
  const meta = metaOf(node);
  const cell = createNode(rawNode(node).constructor as NodeClass<T>, meta.parent, meta.name);
  const cellMeta = metaOf(cell);
  const roles = new Map(rolesOf(node));
  roles.set("host", [step.hostClass]);
  cellMeta.roles = roles;
  cellMeta.isolated = true;
  cellMeta.isolation = [...meta.isolation, step];
  return cell;
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
  const created = createNode(value, raw, name);
  meta.children.set(name, created);
  return created;
}

/** Names of the child-node fields of `node`, in declaration order. */
export function childNames(node: Node): string[] {
  const raw = rawNode(node);
  return Object.keys(raw).filter((key) => !key.includes("__") && !FRAMEWORK_MEMBERS.has(key) && isNodeClass(dataValue(raw, key)));
}

/** The plain value of member `name`, never running a getter (getters are properties, evaluated on an Env). */
export function dataValue(obj: object, name: string): unknown {
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
      value: dataValue(rawParent, key),
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

/**
 * Checked once per class: an override must name an existing child (`a__b__x` needs a child `a`
 * with a child `b`), and a child's name must be printable, as the shell shows it and users type it.
 */
export function checkNodeClass(node: Node): void {
  const raw = rawNode(node);
  if (checkedClasses.has(raw.constructor)) return;
  for (const name of childNames(raw)) {
    if (/[\x00-\x1f\x7f-\x9f]/.test(name)) throw new TypeError(`${describeClass(raw)}: the child node ${JSON.stringify(name)} has a control character in its name; node names are shown and typed in the shell, so they must be printable`);
  }
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
