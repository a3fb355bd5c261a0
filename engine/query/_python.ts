// The operators of queries, with Python's meaning (deployment code is ported from Python).
import type { BinaryOp } from "./_expr.ts";
import { isPlainObject } from "./_expr.ts";
import { percentFormat } from "./_percent.ts";
import { typeName } from "./_print.ts";

/** Python truthiness: like JS, except that empty arrays, plain objects, Maps and Sets are false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Python `==`: `===`, except arrays and plain objects compare item by item. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => equals(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && equals(a[key], b[key]));
  }
  return false;
}

const SYMBOLS: Record<BinaryOp, string> = {
  add: "+", sub: "-", mul: "*", div: "/", mod: "%", eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=",
};

/** Apply a binary operator to two evaluated operands. */
export function binary(op: BinaryOp, a: unknown, b: unknown): unknown {
  switch (op) {
    case "add":
      if (bothNumeric(a, b)) return (a as number) + (b as number);
      if (typeof a === "string" && typeof b === "string") return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      break;
    case "sub":
      if (bothNumeric(a, b)) return (a as number) - (b as number);
      break;
    case "mul":
      if (bothNumeric(a, b)) return (a as number) * (b as number);
      if (isSequence(a) && typeof b === "number") return repeat(a, b);
      if (typeof a === "number" && isSequence(b)) return repeat(b, a);
      break;
    case "div":
      if (bothNumeric(a, b)) {
        if (Number(b) === 0) throw new RangeError("division by zero");
        return Number(a) / Number(b);
      }
      break;
    case "mod":
      if (typeof a === "string") return percentFormat(a, b);
      if (bothNumeric(a, b)) return modulo(a as number, b as number);
      break;
    case "eq": return equals(a, b);
    case "ne": return !equals(a, b);
    case "lt": return compare(op, a, b) < 0;
    case "le": return compare(op, a, b) <= 0;
    case "gt": return compare(op, a, b) > 0;
    case "ge": return compare(op, a, b) >= 0;
  }
  throw unsupported(op, a, b);
}

function bothNumeric(a: unknown, b: unknown): boolean {
  return (typeof a === "number" && typeof b === "number") || (typeof a === "bigint" && typeof b === "bigint");
}

function isSequence(value: unknown): value is string | unknown[] {
  return typeof value === "string" || Array.isArray(value);
}

function repeat(sequence: string | unknown[], times: number): string | unknown[] {
  if (!Number.isInteger(times)) throw new TypeError(`can't multiply a ${typeName(sequence)} by the non-integer ${times}`);
  const n = Math.max(0, times);
  return typeof sequence === "string" ? sequence.repeat(n) : Array.from({ length: n }, () => sequence).flat(1);
}

/** Python's `%` on numbers: the result has the sign of the divisor (`-7 % 3 == 2`). */
function modulo<T extends number | bigint>(a: T, b: T): T {
  if (b == 0) throw new RangeError("modulo by zero");
  const r = ((a as number) % (b as number)) as T;
  return (r != 0 && (r < 0) !== (b < 0) ? (r as number) + (b as number) : r) as T;
}

/** Python's ordering: numbers with numbers, strings with strings, arrays item by item. NaN when unordered. */
function compare(op: BinaryOp, a: unknown, b: unknown): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (bothNumeric(a, b) || (typeof a === "string" && typeof b === "string")) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!equals(a[i], b[i])) return compare(op, a[i], b[i]);
    }
    return a.length - b.length;
  }
  throw unsupported(op, a, b);
}

function unsupported(op: BinaryOp, a: unknown, b: unknown): TypeError {
  return new TypeError(`unsupported operand types for ${SYMBOLS[op]} ($${op}): ${typeName(a)} and ${typeName(b)}`);
}
