// ParallelActionResult: what an action called on every isolation of a ParallelNode resolves to.
import { inspect } from "../_builtins.ts";
import { INSPECT_CUSTOM } from "../_inspect_custom.ts";
import type { Node } from "./_node.ts";

/** Isolation (its Env) → the action's result there. Iterating yields the values, like the original. */
export class ParallelActionResult<T = unknown> {
  private readonly entries: ReadonlyArray<readonly [Node, T]>;
  private readonly names: readonly string[];

  constructor(entries: ReadonlyArray<readonly [Node, T]>, names: readonly string[]) {
    this.entries = entries;
    this.names = names;
  }

  get length(): number {
    return this.entries.length;
  }

  /** The isolations (Envs), in isolation order. */
  keys(): Node[] {
    return this.entries.map(([key]) => key);
  }

  values(): T[] {
    return this.entries.map(([, value]) => value);
  }

  items(): Array<[Node, T]> {
    return this.entries.map(([key, value]) => [key, value]);
  }

  /** The result of the isolation named `name` (its slug path, e.g. "web1"). */
  get(name: string): T | undefined {
    const index = this.names.indexOf(name);
    return index < 0 ? undefined : this.entries[index]![1];
  }

  [Symbol.iterator](): Iterator<T> {
    return this.values()[Symbol.iterator]();
  }

  /** `{ web1: value, web2: value }` */
  toString(): string {
    return `{ ${this.entries.map(([, value], i) => `${this.names[i]}: ${inspect(value)}`).join(", ")} }`;
  }

  [INSPECT_CUSTOM](): string {
    return this.toString();
  }

  toJSON(): Record<string, T> {
    return Object.fromEntries(this.entries.map(([, value], i) => [this.names[i]!, value]));
  }
}
