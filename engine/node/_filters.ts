// Filters for Inspector.walk: which nodes to keep, composable with and/or/not.
import type { Node, NodeClass } from "./_node.ts";
import { metaOf, rawNode } from "./_meta.ts";
import { lookupMember } from "./_proxy.ts";
import { groupOfNode } from "./_group.ts";

/** A predicate over nodes (or Envs). */
export abstract class Filter {
  abstract matches(node: Node): boolean;
  abstract toString(): string;

  and(other: Filter): Filter {
    return new CombinedFilter(this, other, "&", (a, b) => a && b);
  }

  or(other: Filter): Filter {
    return new CombinedFilter(this, other, "|", (a, b) => a || b);
  }

  not(): Filter {
    const inner = this;
    return new (class extends Filter {
      matches(node: Node) { return !inner.matches(node); }
      toString() { return `~ ${inner}`; }
    })();
  }
}

class CombinedFilter extends Filter {
  constructor(private readonly a: Filter, private readonly b: Filter, private readonly op: string, private readonly combine: (a: boolean, b: boolean) => boolean) {
    super();
  }
  matches(node: Node): boolean {
    return this.combine(this.a.matches(node), this.b.matches(node));
  }
  toString(): string {
    return `${this.a} ${this.op} ${this.b}`;
  }
}

/** Nodes whose name does not start with `_` (a root counts as public). */
export const PublicOnly: Filter = new (class extends Filter {
  matches(node: Node) { return !(metaOf(node).name ?? "").startsWith("_"); }
  toString() { return "PublicOnly"; }
})();

/** Nodes whose name starts with `_`. */
export const PrivateOnly: Filter = PublicOnly.not();
Object.defineProperty(PrivateOnly, "toString", { value: () => "PrivateOnly" });

/** Nodes (or Envs) that are instances of `cls`. */
export class IsInstance extends Filter {
  constructor(private readonly cls: NodeClass) { super(); }
  matches(node: Node) { return rawNode(node) instanceof this.cls; }
  toString() { return `IsInstance(${this.cls.name})`; }
}

/** Nodes that have the action `name`. */
export class HasAction extends Filter {
  constructor(private readonly name: string) { super(); }
  matches(node: Node) { return lookupMember(rawNode(node), this.name).kind === "action"; }
  toString() { return `HasAction(${JSON.stringify(this.name)})`; }
}

/** Nodes in group `group` (their own, or inherited from a parent). */
export class InGroup extends Filter {
  constructor(private readonly group: Function) { super(); }
  matches(node: Node) { return groupOfNode(node) === this.group; }
  toString() { return `InGroup(${this.group.name})`; }
}
