// Isolation: splitting a ParallelNode into cells, one per host, and finding a cell by key.
import type { HostClass } from "../host/_host.ts";
import { HostContainer } from "../host/_container.ts";
import type { Node } from "./_node.ts";
import { childNode, createCell } from "./_node.ts";
import { metaOf, nodeTypeOf, rawNode, type IsolationStep } from "./_meta.ts";
import { rolesOf } from "./_roles.ts";

/** How an isolation is named: by position, by host class, or by host slug. */
export const IsolationIdentifierType = {
  INT_TUPLES: "INT_TUPLES",
  HOST_TUPLES: "HOST_TUPLES",
  HOSTS_SLUG: "HOSTS_SLUG",
} as const;
export type IsolationIdentifierType = keyof typeof IsolationIdentifierType;

export interface Isolation {
  /** One step per Node → .Array transition above (and including) this node. */
  steps: IsolationStep[];
  node: Node;
}

const cellCache = new WeakMap<Node, Map<HostClass, Node>>();

/**
 * Every isolated cell of `node`, in a deterministic order: the parent's isolations in order,
 * then the hosts of the `host` role in declaration order.
 */
export function isolationsOf(node: Node): Isolation[] {
  const raw = rawNode(node);
  const meta = metaOf(raw);
  if (meta.isolated) return [{ steps: [], node: raw }];
  const type = nodeTypeOf(raw.constructor);
  // A node under a parent that is not isolated is split along with its parent.
  const bases: Isolation[] = meta.parent
    ? isolationsOf(meta.parent).map((p) => ({ steps: p.steps, node: childNode(p.node, meta.name!)! }))
    : [{ steps: [], node: raw }];
  if (type === "normal" || (type === "parallel" && meta.parent)) return bases;
  // .Array, .JustOne, or a ParallelNode root: one cell per host of the `host` role.
  return bases.flatMap((base) => (rolesOf(base.node).get("host") ?? []).map((hostClass, index) => {
    const step: IsolationStep = { index, hostClass, slug: slugOf(hostClass) };
    return { steps: [...base.steps, step], node: cellOf(base.node, step) };
  }));
}

function cellOf(node: Node, step: IsolationStep): Node {
  let cells = cellCache.get(node);
  if (!cells) cellCache.set(node, (cells = new Map()));
  let cell = cells.get(step.hostClass);
  if (!cell) cells.set(step.hostClass, (cell = createCell(node, step)));
  return cell;
}

const slugs = new WeakMap<HostClass, string>();

/** A host class's slug, read once from a throwaway instance. */
export function slugOf(hostClass: HostClass): string {
  let slug = slugs.get(hostClass);
  if (slug === undefined) {
    const host = new hostClass();
    slug = host.name;
    slugs.set(hostClass, slug);
  }
  return slug;
}

/** The identifier of an isolation, as the given type names it. */
export function identifierOf(isolation: Isolation, type: IsolationIdentifierType): unknown[] {
  return isolation.steps.map((step) => type === "INT_TUPLES" ? step.index : type === "HOST_TUPLES" ? step.hostClass : step.slug);
}

/** What `at()` accepts: a host class, a `this.host`, an index, a slug, or an array of those for nested arrays. */
export type IsolationKey = HostClass | HostContainer | number | string | ReadonlyArray<HostClass | HostContainer | number | string>;

/** The cell for `key`; each component may be a position, a host class or a slug. An error names what exists. */
export function findIsolation(node: Node, key: IsolationKey): Isolation {
  if (metaOf(node).isolated) {
    throw new TypeError(`${describe(node)} is already isolated: at() works on a ParallelNode that is not`);
  }
  const parts = (Array.isArray(key) ? key : [key]).map((part) => (part instanceof HostContainer ? part.hostClass : part));
  const isolations = isolationsOf(node);
  // Positions are numbers, slugs strings and host classes functions, so one component can't be mistaken for another.
  const found = isolations.find((isolation) => isolation.steps.length === parts.length
    && isolation.steps.every((step, i) => parts[i] === step.index || parts[i] === step.hostClass || parts[i] === step.slug));
  if (found) return found;
  const available = isolations.map((isolation) => identifierOf(isolation, "HOSTS_SLUG").join("/")).join(", ") || "none";
  throw new RangeError(`${describe(node)} has no isolation ${formatKey(parts)} (available: ${available})`);
}

function formatKey(parts: unknown[]): string {
  const text = parts.map((part) => (typeof part === "function" ? part.name : JSON.stringify(part))).join(", ");
  return parts.length === 1 ? text : `[${text}]`;
}

function describe(node: Node): string {
  const meta = metaOf(node);
  return meta.name ?? rawNode(node).constructor.name;
}
