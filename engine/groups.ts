// Groups: categories for nodes (production, staging, …) that the shells show in colour.

/** The colour names a group may use (termcolor's, as in the original). */
export type ColorName = "grey" | "red" | "green" | "yellow" | "blue" | "magenta" | "cyan" | "white";

/** ANSI SGR foreground code of each colour name. */
export const ANSI_COLORS: Readonly<Record<ColorName, number>> = {
  grey: 30, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, white: 37,
};

/** `text` wrapped in the ANSI codes for `color` (and bold); plain text when neither is asked for. */
export function colorize(text: string, color: ColorName | undefined, options: { bold?: boolean } = {}): string {
  const codes = [...(options.bold ? [1] : []), ...(color ? [ANSI_COLORS[color]] : [])];
  return codes.length === 0 || text === "" ? text : `\x1b[${codes.join(";")}m${text}\x1b[0m`;
}

/**
 * A category marker. Groups are classes: `class Testing extends Group { static override color = "cyan" as const }`.
 * `name` is the class name; an instance (`new Group()`) answers the same `name` and `color`.
 */
export class Group {
  static readonly color: ColorName | undefined = undefined;

  get name(): string { return this.constructor.name; }
  get color(): ColorName | undefined { return (this.constructor as GroupClass).color; }
}

/** A Group class (the base or a subclass). */
export type GroupClass = typeof Group;

export class Production extends Group { static override readonly color = "red"; }
export class Staging extends Group { static override readonly color = "yellow"; }
export class Beta extends Group { static override readonly color = "green"; }
export class Local extends Group { static override readonly color = "green"; }
export class Other extends Group { static override readonly color = "white"; }
export class Utility extends Group { static override readonly color = "magenta"; }

type AnyClass = abstract new (...args: never) => unknown;

/** The static property that holds a class's group. Users may also write `static nodeGroup = Staging`. */
export const GROUP_PROPERTY = "nodeGroup";

function isGroupClass(value: unknown): value is GroupClass {
  return typeof value === "function" && (value === Group || value.prototype instanceof Group);
}

/** The group of a (node) class, its own or inherited from a base class; undefined when it has none. */
export function groupOf(cls: unknown): GroupClass | undefined {
  if (typeof cls !== "function") return undefined;
  const group = (cls as unknown as Record<string, unknown>)[GROUP_PROPERTY];
  return isGroupClass(group) ? group : undefined;
}

function mark(cls: AnyClass, group: GroupClass): void {
  Object.defineProperty(cls, GROUP_PROPERTY, { value: group, configurable: true, enumerable: false, writable: true });
}

// One subclass per (class, group), so every instance of a parent sees the same child class.
const grouped = new WeakMap<AnyClass, Map<GroupClass, AnyClass>>();

/** A subclass of `cls` with the same name, in `group`; `cls` itself is untouched. */
function subclassIn<C extends AnyClass>(cls: C, group: GroupClass): C {
  let byGroup = grouped.get(cls);
  if (!byGroup) grouped.set(cls, (byGroup = new Map()));
  let sub = byGroup.get(group);
  if (!sub) {
    const base = cls as unknown as new (...args: unknown[]) => object;
    sub = class extends base {} as unknown as AnyClass;
    Object.defineProperty(sub, "name", { value: cls.name, configurable: true });
    mark(sub, group);
    byGroup.set(group, sub);
  }
  return sub as C;
}

/** Decorates a class, a class field holding a class, or (called as a function) returns a grouped subclass. */
export interface GroupDecorator {
  /** `@production class X extends Node {}`: the class itself joins the group. */
  <C extends AnyClass>(cls: C, context: ClassDecoratorContext<C>): void;
  /** `@production prod = child(Web)`: the field gets a same-named subclass of its class in the group. */
  <This, V>(value: undefined, context: ClassFieldDecoratorContext<This, V>): (initial: V) => V;
  /** `production(Web)`: a same-named subclass of `Web` in the group. */
  <C extends AnyClass>(cls: C): C;
}

/** The decorator that puts a node class (or a child field's class) into `group`. */
export function setGroup(group: GroupClass): GroupDecorator {
  if (!isGroupClass(group)) throw new TypeError(`setGroup expects a Group class, got ${String(group)}`);
  const decorate = (target: unknown, context?: DecoratorContext): unknown => {
    if (context === undefined) {
      if (typeof target !== "function") throw new TypeError(`${group.name} group: expected a class, got ${typeof target}`);
      return subclassIn(target as AnyClass, group);
    }
    if (context.kind === "class") {
      mark(target as AnyClass, group);
      return undefined;
    }
    if (context.kind === "field") {
      const field = String(context.name);
      return (initial: unknown) => {
        if (typeof initial !== "function") {
          throw new TypeError(`@${group.name.toLowerCase()} on field "${field}": the value must be a node class, got ${typeof initial}`);
        }
        return subclassIn(initial as AnyClass, group);
      };
    }
    throw new TypeError(`@${group.name.toLowerCase()} applies to classes and class fields, not to the ${context.kind} "${String(context.name)}"`);
  };
  return decorate as GroupDecorator;
}

export const production: GroupDecorator = setGroup(Production);
export const staging: GroupDecorator = setGroup(Staging);
export const beta: GroupDecorator = setGroup(Beta);
export const local: GroupDecorator = setGroup(Local);
export const other: GroupDecorator = setGroup(Other);
export const utility: GroupDecorator = setGroup(Utility);
