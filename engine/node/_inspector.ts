// Inspector: reflection over a node or an Env (what the shells and the CLI navigate with).
import type { Node } from "./_node.ts";
import { childNames, childNode } from "./_node.ts";
import { metaOf, rawNode } from "./_meta.ts";
import { lookupMember } from "./_proxy.ts";
import { Env, nodePath } from "./_env.ts";

/** Reflection over a node: its children, actions and path. Given an Env, results are Envs. */
export class Inspector {
  private readonly node: Node;
  private readonly env: Node | undefined;

  constructor(nodeOrEnv: Node) {
    this.env = nodeOrEnv instanceof Env ? nodeOrEnv : undefined;
    this.node = rawNode(nodeOrEnv);
  }

  /** Child nodes in declaration order; private ones (`_name`) only when asked. */
  getChildnodes(options: { includePrivate?: boolean } = {}): Node[] {
    return childNames(this.node)
      .filter((name) => options.includePrivate !== false || !name.startsWith("_"))
      .map((name) => this.getChildnode(name));
  }

  hasChildnode(name: string): boolean {
    return childNode(this.node, name) !== undefined;
  }

  /** The child node `name`; throws when there is none. */
  getChildnode(name: string): Node {
    if (!this.hasChildnode(name)) throw new Error(`${this.getPath().join(".")} has no child node "${name}"`);
    return this.env ? (this.env as unknown as Record<string, Node>)[name]! : childNode(this.node, name)!;
  }

  /** Action names, sorted; private ones (`_name`) only when asked. */
  getActionNames(options: { includePrivate?: boolean } = {}): string[] {
    const names = new Set<string>();
    for (let obj: object | null = Object.getPrototypeOf(this.node); obj && obj !== Object.prototype; obj = Object.getPrototypeOf(obj)) {
      for (const name of Object.getOwnPropertyNames(obj)) names.add(name);
    }
    for (const name of Object.keys(this.node)) names.add(name);
    return [...names]
      .filter((name) => !name.includes("__") && lookupMember(this.node, name).kind === "action")
      .filter((name) => options.includePrivate !== false || !name.startsWith("_"))
      .sort();
  }

  hasAction(name: string): boolean {
    return !name.includes("__") && lookupMember(this.node, name).kind === "action";
  }

  /** The action `name`, bound to the Env (throws on a bare node, which cannot run actions). */
  getAction(name: string): (...args: unknown[]) => Promise<unknown> {
    if (!this.hasAction(name)) throw new Error(`${this.getPath().join(".")} has no action "${name}"`);
    if (!this.env) throw new TypeError("actions run only on an Env: inspect an Env, not a bare node");
    return (this.env as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!;
  }

  /** Names from the root: the root's class name, then attribute names. */
  getPath(): string[] {
    return nodePath(this.node);
  }

  /** The attribute name of this node under its parent, or the class name for a root. */
  getName(): string {
    return metaOf(this.node).name ?? this.node.constructor.name;
  }
}
