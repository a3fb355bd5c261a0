// Inspector: reflection over a node or an Env (what the shells and the CLI navigate with).
import { Node as NodeBase, childNames, childNode, type Node } from "./_node.ts";
import { bareNode, metaOf, rawNode } from "./_meta.ts";
import { lookupMember } from "./_proxy.ts";
import { Env, envLike, isolationName, nodePath } from "./_env.ts";
import { actionFlags } from "./_decorators.ts";
import { findIsolation, identifierOf, isolationsOf, type IsolationIdentifierType, type IsolationKey } from "./_isolation.ts";
import type { Filter } from "./_filters.ts";
import { groupOfNode } from "./_group.ts";
import { traceQuery, type Query, type QueryResult } from "../query/index.ts";
import type { Group } from "../groups.ts";

/** How getPath names the nodes on the way from the root. */
export const PathType = {
  NAME_ONLY: "NAME_ONLY",
  NODE_AND_NAME: "NODE_AND_NAME",
  NODE_ONLY: "NODE_ONLY",
} as const;
export type PathType = keyof typeof PathType;

/** An action of a node, as listed by the Inspector. */
export interface ActionInfo {
  name: string;
  /** The shell does not print its result. */
  suppressResult: boolean;
  dontIsolateYet: boolean;
  isolateOneOnly: boolean;
  /** Run it (only on an Inspector over an Env). */
  call(...args: unknown[]): Promise<unknown>;
}

/** Reflection over a node: children, actions, properties, path, isolations. Given an Env, results are Envs. */
export class Inspector {
  private readonly node: Node;
  private readonly env: Node | undefined;

  constructor(nodeOrEnv: Node) {
    if (!(rawNode(nodeOrEnv) instanceof NodeBase)) throw new TypeError("Inspector needs a Node or an Env");
    this.env = nodeOrEnv instanceof Env ? nodeOrEnv : undefined;
    this.node = rawNode(nodeOrEnv);
  }

  toString(): string {
    return `Inspector(node=${this.getPath().join(".")})`;
  }

  /** The node, or its Env when this inspects an Env. */
  private wrap(node: Node): Node {
    return this.env ? envLike(this.env, node) : bareNode(node);
  }

  // Children

  /** Child nodes in declaration order; private ones (`_name`) unless told otherwise. */
  getChildnodes(options: { includePrivate?: boolean } = {}): Node[] {
    return childNames(this.node)
      .filter((name) => options.includePrivate !== false || !name.startsWith("_"))
      .map((name) => this.wrap(childNode(this.node, name)!));
  }

  hasChildnode(name: string): boolean {
    return childNode(this.node, name) !== undefined;
  }

  /** The child node `name`; throws when there is none. */
  getChildnode(name: string): Node {
    const node = childNode(this.node, name);
    if (!node) throw new Error(`${this.getPath().join(".")} has no child node "${name}"`);
    return this.wrap(node);
  }

  // Actions, properties, queries

  private memberNames(): string[] {
    const names = new Set<string>(Object.keys(this.node));
    for (let obj: object | null = Object.getPrototypeOf(this.node); obj && obj !== Object.prototype; obj = Object.getPrototypeOf(obj)) {
      for (const name of Object.getOwnPropertyNames(obj)) names.add(name);
    }
    return [...names].filter((name) => !name.includes("__") || /[^\w$]/.test(name)).sort();
  }

  private namesOf(kind: string, includePrivate: boolean | undefined): string[] {
    return this.memberNames()
      .filter((name) => includePrivate !== false || !name.startsWith("_"))
      .filter((name) => lookupMember(this.node, name).kind === kind);
  }

  /** Action names, sorted. */
  getActionNames(options: { includePrivate?: boolean } = {}): string[] {
    return this.namesOf("action", options.includePrivate);
  }

  /** Actions, sorted by name (aliases are listed under each name). */
  getActions(options: { includePrivate?: boolean } = {}): ActionInfo[] {
    return this.getActionNames(options).map((name) => this.getAction(name));
  }

  hasAction(name: string): boolean {
    return lookupMember(this.node, name).kind === "action";
  }

  /** The action `name`; throws when there is none. Calling it needs an Inspector over an Env. */
  getAction(name: string): ActionInfo {
    const member = lookupMember(this.node, name);
    if (member.kind !== "action") throw new Error(`${this.getPath().join(".")} has no action "${name}"`);
    const flags = actionFlags(member.fn);
    const env = this.env;
    return {
      name,
      suppressResult: flags.suppressResult ?? false,
      dontIsolateYet: flags.dontIsolateYet ?? false,
      isolateOneOnly: flags.isolateOneOnly ?? false,
      call: (...args) => {
        if (!env) throw new TypeError(`cannot call action "${name}" on a bare node: inspect an Env instead`);
        return (env as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args);
      },
    };
  }

  /** Whether the shell should leave out this action's result. */
  suppressResultForAction(name: string): boolean {
    return this.getAction(name).suppressResult;
  }

  /** Getter names (properties), sorted. */
  getProperties(options: { includePrivate?: boolean } = {}): string[] {
    return this.namesOf("property", options.includePrivate).concat(this.namesOf("required", options.includePrivate)).sort();
  }

  hasProperty(name: string): boolean {
    const kind = lookupMember(this.node, name).kind;
    return kind === "property" || kind === "required";
  }

  /** Read property `name` (evaluated on the Env when this inspects one). */
  getProperty(name: string): unknown {
    if (!this.hasProperty(name)) throw new Error(`${this.getPath().join(".")} has no property "${name}"`);
    return (this.wrap(this.node) as unknown as Record<string, unknown>)[name];
  }

  /** Query field names, sorted. */
  getQueries(options: { includePrivate?: boolean } = {}): string[] {
    return this.namesOf("query", options.includePrivate);
  }

  hasQuery(name: string): boolean {
    return lookupMember(this.node, name).kind === "query";
  }

  /** The query itself (unevaluated); `String(query)` shows its source form. */
  getQuery(name: string): Query {
    const member = lookupMember(this.node, name);
    if (member.kind !== "query") throw new Error(`${this.getPath().join(".")} has no query "${name}"`);
    return member.query;
  }

  /** Evaluate query `name` on the Env, with every subquery and its value (what the shell's --inspect shows). */
  traceQuery(name: string): QueryResult | Promise<QueryResult> {
    if (!this.env) throw new TypeError("traceQuery needs an Inspector over an Env");
    return traceQuery(this.getQuery(name), this.env, { node: this.getFullName(), attrName: name });
  }

  // Paths and names

  /** From the root to this node: names, nodes, or [node, name] pairs. */
  getPath(type: PathType = "NAME_ONLY"): Array<string | Node | [Node, string]> & string[] {
    const names = nodePath(this.node);
    if (type === "NAME_ONLY") return names as never;
    const nodes: Node[] = [];
    for (let n: Node | undefined = this.node; n; n = metaOf(n).parent) nodes.unshift(this.wrap(n));
    return (type === "NODE_ONLY" ? nodes : nodes.map((node, i) => [node, names[i]!])) as never;
  }

  /** The root of the tree this node is in. */
  getRoot(): Node {
    let node = this.node;
    while (metaOf(node).parent) node = metaOf(node).parent!;
    return this.wrap(node);
  }

  /** The parent node, or undefined for a root. */
  getParent(): Node | undefined {
    const parent = metaOf(this.node).parent;
    return parent && this.wrap(parent);
  }

  /** The attribute name under the parent, or the class name for a root. */
  getName(): string {
    return metaOf(this.node).name ?? this.node.constructor.name;
  }

  /** The dotted path, e.g. `Root.web.git`. */
  getFullName(): string {
    return nodePath(this.node).join(".");
  }

  /** The node's group: its own, else its nearest ancestor's, else the plain Group. */
  getGroup(): typeof Group {
    return groupOfNode(this.node);
  }

  /** Whether the node has a `default` action (run when the shell names the node itself). */
  isCallable(): boolean {
    return this.hasAction("default");
  }

  // Isolation

  isIsolated(): boolean {
    return metaOf(this.node).isolated;
  }

  /** The slug of the host this cell was isolated on, or undefined when it is not a cell. */
  getIsolationIdentifier(): string | undefined {
    return metaOf(this.node).isolation.at(-1)?.slug;
  }

  /** Every isolation as [identifier, node], the identifier named by `type`. */
  iterIsolations(type: IsolationIdentifierType = "INT_TUPLES"): Array<[unknown[], Node]> {
    return isolationsOf(this.node).map((isolation) => [identifierOf(isolation, type), this.wrap(isolation.node)]);
  }

  /** The isolation for `key` (an index, a host class, a slug, or an array of them). */
  getIsolation(key: IsolationKey): Node {
    return this.wrap(findIsolation(this.node, key).node);
  }

  /** The isolations' display names (slugs, joined with "/" for nested arrays). */
  getIsolationNames(): string[] {
    return isolationsOf(this.node).map(isolationName);
  }

  // Walking

  /** This node and every descendant, breadth-first, optionally filtered. */
  walk(filter?: Filter): NodeIterator {
    return new NodeIterator(() => this.walkAll(), this.env).filter(filter);
  }

  private *walkAll(): Iterable<Node> {
    const queue: Node[] = [this.node];
    const seen = new Set<string>();
    while (queue.length) {
      const node = queue.shift()!;
      const key = nodePath(node).join(".");
      if (seen.has(key)) continue;
      seen.add(key);
      yield this.wrap(node);
      for (const name of childNames(node)) queue.push(childNode(node, name)!);
    }
  }
}

/** A re-iterable walk over nodes, with filters and per-isolation action calls. */
export class NodeIterator implements Iterable<Node> {
  constructor(private readonly source: () => Iterable<Node>, private readonly env: Node | undefined) {}

  [Symbol.iterator](): Iterator<Node> {
    return this.source()[Symbol.iterator]();
  }

  get length(): number {
    return [...this].length;
  }

  /** Only the nodes that pass `filter`. */
  filter(filter: Filter | undefined): NodeIterator {
    if (!filter) return this;
    const source = this.source;
    return new NodeIterator(function* () {
      for (const node of source()) if (filter.matches(node)) yield node;
    }, this.env);
  }

  /** Each node replaced by its isolation `index` (skipped where there is no such isolation). */
  preferIsolation(index: IsolationKey): NodeIterator {
    const source = this.source;
    return new NodeIterator(function* () {
      for (const node of source()) {
        if (metaOf(node).isolated) {
          yield node;
          continue;
        }
        try {
          yield new Inspector(node).getIsolation(index);
        } catch {
          // no such isolation here
        }
      }
    }, this.env);
  }

  /** Call action `name` on every isolation of every node, yielding each result. */
  async *callAction(name: string, ...args: unknown[]): AsyncGenerator<unknown> {
    for (const node of this) {
      for (const [, cell] of new Inspector(node).iterIsolations()) {
        yield await new Inspector(cell).getAction(name).call(...args);
      }
    }
  }
}

/** Every isolation of `node` as [identifier, node] (the original's iter_isolations). */
export function iterIsolations(node: Node, type: IsolationIdentifierType = "INT_TUPLES"): Array<[unknown[], Node]> {
  return new Inspector(node).iterIsolations(type);
}
