// Roles: which hosts a node has, from its own `Hosts`, a role mapping, or its parent.
import type { HostClass } from "../host/_host.ts";
import { HostContainer, HostsContainer, type HostsDefinition } from "../host/_container.ts";
import type { Node, NodeClass } from "./_node.ts";
import { metaOf, nodeTypeOf, rawNode } from "./_meta.ts";

/** Role name → host classes, in declaration order. */
export type RoleMap = Map<string, HostClass[]>;

/** Marks a mapping to every host of the parent, across all its roles. */
export const ALL_HOSTS: unique symbol = Symbol.for("deployer.ALL_HOSTS") as never;
export type AllHosts = typeof ALL_HOSTS;

/** childRole → the parent role(s) its hosts come from. */
export type RoleMapping = Record<string, string | readonly string[] | AllHosts>;

const MAPPING = Symbol("deployer.roleMapping");

type MappedClass = NodeClass & { [MAPPING]?: RoleMapping };

/**
 * Map a child's roles onto its parent's: `mapRoles({ web: "host", db: ["db1", "db2"], all: ALL_HOSTS })`,
 * or `mapRoles("a", "b")` (both become the child's `host` role). Use it on a class
 * (`mapRoles(...)(Web)`, `@mapRoles(...) class`) or on a child field (`@mapRoles(...) web = Web`).
 * The mapping replaces any `Hosts` the class defines.
 */
export function mapRoles(...args: [RoleMapping] | string[]): NodeClassDecorator {
  const mapping: RoleMapping = typeof args[0] === "object" ? { ...args[0] } : { host: args as string[] };
  for (const [role, from] of Object.entries(mapping)) {
    if (from !== ALL_HOSTS && typeof from !== "string" && !Array.isArray(from)) {
      throw new TypeError(`mapRoles: role "${role}" must map to a role name, an array of role names, or ALL_HOSTS`);
    }
  }
  return decorateNodeClass("mapRoles", (cls) => {
    const mapped = subclass(cls);
    (mapped as MappedClass)[MAPPING] = mapping;
    return mapped;
  });
}

/** The mapping a class (or a base class) was given with mapRoles. */
export function roleMappingOf(cls: Function): RoleMapping | undefined {
  return (cls as MappedClass)[MAPPING];
}

/** A subclass with the same name, so decorating never changes the original class. */
export function subclass<C extends NodeClass>(cls: C): C {
  const sub = class extends (cls as NodeClass) {};
  Object.defineProperty(sub, "name", { value: cls.name });
  Object.defineProperty(sub, ORIGIN, { value: originOf(cls) });
  return sub as unknown as C;
}

const ORIGIN = Symbol("deployer.node.origin");

/** The user's class behind the framework's empty subclasses (mapRoles, groups, .Array, .JustOne). */
export function originOf(cls: Function): Function {
  return (cls as Function & { [ORIGIN]?: Function })[ORIGIN] ?? cls;
}

/** A class transformation usable on a class, as a class decorator, and on a child field. */
export interface NodeClassDecorator {
  /** `@mapRoles(...) class X extends Node {}` */
  <C extends NodeClass>(cls: C, context: ClassDecoratorContext<C>): C;
  /** `@mapRoles(...) web = child(Web)` */
  <This, V>(value: undefined, context: ClassFieldDecoratorContext<This, V>): (initial: V) => V;
  /** `mapRoles(...)(Web)` */
  <C extends NodeClass>(cls: C): C;
}

/**
 * Turn a class transformation into something usable three ways: called on a class,
 * as a class decorator, and as a decorator on a field whose value is a node class.
 */
export function decorateNodeClass(what: string, transform: (cls: NodeClass) => NodeClass): NodeClassDecorator {
  return (<C extends NodeClass>(target: C, context?: DecoratorContext): C => {
    if (context?.kind === "field") {
      return ((value: unknown) => {
        if (typeof value !== "function") throw new TypeError(`@${what} on field "${String(context.name)}": the value must be a Node class`);
        return transform(value as NodeClass);
      }) as unknown as C;
    }
    if (typeof target !== "function") throw new TypeError(`${what}: expected a Node class`);
    return transform(target) as C;
  }) as NodeClassDecorator;
}

/** Apply a mapping to the parent's roles: each child role gets the union of the named parent roles. */
export function applyMapping(mapping: RoleMapping, parentRoles: RoleMap): RoleMap {
  const roles: RoleMap = new Map();
  for (const [role, from] of Object.entries(mapping)) {
    const sources = from === ALL_HOSTS ? [...parentRoles.keys()] : typeof from === "string" ? [from] : [...from];
    roles.set(role, [...new Set(sources.flatMap((source) => parentRoles.get(source) ?? []))]);
  }
  return roles;
}

/** Normalise a `Hosts` field: host classes, arrays or Sets of them, or containers. */
export function normalizeDefinition(definition: HostsDefinition, owner: string): RoleMap {
  if (typeof definition !== "object" || definition === null || Array.isArray(definition)) {
    throw new TypeError(`${owner}.Hosts must be an object mapping role names to host classes`);
  }
  const roles: RoleMap = new Map();
  for (const [role, value] of Object.entries(definition)) {
    if (role.startsWith("_")) continue;
    if (value instanceof HostsContainer || value instanceof HostContainer) roles.set(role, value.getHostClasses());
    else if (typeof value === "function") roles.set(role, [value as HostClass]);
    else if (value && typeof (value as Iterable<HostClass>)[Symbol.iterator] === "function") {
      const classes = [...(value as Iterable<unknown>)];
      const bad = classes.find((c) => typeof c !== "function");
      if (bad !== undefined) throw new TypeError(`${owner}.Hosts.${role} holds ${String(bad)}, not a host class`);
      roles.set(role, classes as HostClass[]);
    } else throw new TypeError(`${owner}.Hosts.${role} must be a host class or an array of host classes`);
  }
  return roles;
}

/**
 * The roles of `node`. In order: a cell's narrowed roles; a mapRoles mapping applied to the
 * parent's roles; the node's own `Hosts`; the implicit `host: ALL_HOSTS` of .Array/.JustOne;
 * else the parent's roles (a root without hosts has none).
 */
export function rolesOf(node: Node): RoleMap {
  const raw = rawNode(node);
  const meta = metaOf(raw);
  if (meta.roles) return meta.roles;
  const parentRoles = () => (meta.parent ? rolesOf(meta.parent) : new Map<string, HostClass[]>());
  const mapping = roleMappingOf(raw.constructor);
  if (mapping) return applyMapping(mapping, parentRoles());
  const own = (raw as { Hosts?: HostsDefinition }).Hosts;
  if (own !== undefined) return normalizeDefinition(own, raw.constructor.name);
  const type = nodeTypeOf(raw.constructor);
  if (type === "array" || type === "justOne") return applyMapping({ host: ALL_HOSTS }, parentRoles());
  return parentRoles();
}
