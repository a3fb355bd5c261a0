// The group of a node: its class's own, else its nearest ancestor's.
import { Group, groupOf } from "../groups.ts";
import type { Node } from "./_node.ts";
import { metaOf, rawNode } from "./_meta.ts";

/** The group a node belongs to (inherited down the tree); the plain Group when none is set. */
export function groupOfNode(node: Node): typeof Group {
  for (let n: Node | undefined = rawNode(node); n; n = metaOf(n).parent) {
    const group = groupOf(n.constructor);
    if (group) return group as typeof Group;
  }
  return Group;
}
