// The Q builder: a Proxy that turns member reads and calls into expression trees (see _expr.ts).
import { callerLocation } from "../_location.ts";
import { type BinaryOp, type Expr, exprOf, type LogicalOp, register, toExpr } from "./_expr.ts";
import { source } from "./_print.ts";

declare const queryBrand: unique symbol;

/** The `$` methods every query has; attribute names never collide with them. */
export interface QueryMethods {
  /** Only type-level: tells queries apart from other values (`T extends Query`). */
  readonly [queryBrand]: true;
  /** Always undefined, so `await query` is not hijacked; read an attribute named `then` with `$attr("then")`. */
  readonly then: undefined;
  /** Attribute `name`, for names that plain property access can't reach (`then`, `$…`, or a method named `parent`). */
  $attr(name: string): Query;
  /** Python's `q[key]`; `key` may be a query. Arrays and strings take negative indices; a missing key is an error. */
  $item(key: unknown): Query;
  /** Python's `+`: adds numbers, concatenates strings and arrays. */
  $add(other: unknown): Query;
  $sub(other: unknown): Query;
  /** Python's `*`: multiplies numbers, repeats a string or array. */
  $mul(other: unknown): Query;
  /** True division (Python 3's `/`): `7 / 2 == 3.5`; dividing by zero is an error. */
  $div(other: unknown): Query;
  /** Python's `%`: %-formatting on a string (an array is the tuple, a plain object the mapping); modulo with the divisor's sign on numbers. */
  $mod(other: unknown): Query;
  /** Python's `==`: arrays and plain objects compare item by item, anything else with `===`. */
  $eq(other: unknown): Query;
  $ne(other: unknown): Query;
  $lt(other: unknown): Query;
  $le(other: unknown): Query;
  $gt(other: unknown): Query;
  $ge(other: unknown): Query;
  /** Python's `and`: the left operand if it is falsy (then the right is not evaluated), else the right. */
  $and(other: unknown): Query;
  /** Python's `or`: the left operand if it is truthy (then the right is not evaluated), else the right. */
  $or(other: unknown): Query;
  /** Python's `not`: a boolean. */
  $not(): Query;
}

/** Any attribute is another query and any call builds a call query. */
export interface QueryAttributes {
  (...args: any[]): Query;
  readonly [attribute: string]: Query;
  // Spelled out because a callable type would otherwise take these from `Function` and `Object`.
  readonly name: Query; readonly length: Query; readonly prototype: Query; readonly arguments: Query; readonly caller: Query;
  readonly apply: Query; readonly call: Query; readonly bind: Query; readonly toString: Query; readonly toLocaleString: Query;
  readonly valueOf: Query; readonly constructor: Query; readonly hasOwnProperty: Query; readonly isPrototypeOf: Query;
  readonly propertyIsEnumerable: Query;
}

/**
 * A query, typed loosely: `Q.parent.y` and `Q.a.b.$add(1)` type-check. A field holding one has static
 * type `Query` although reading it on an Env gives the evaluated value.
 */
export type Query = QueryMethods & QueryAttributes;

/** The root query: the subject itself, plus the builders that start a new expression. */
export type QueryRoot = Query & {
  /** A literal; arrays and plain objects become queries whose items (maybe queries) are evaluated. */
  $(value: unknown): Query;
  /** Template tag: `` Q.$fmt`${Q.host}:${Q.port}` `` interpolates the evaluated values like a template literal. */
  $fmt(strings: TemplateStringsArray, ...values: unknown[]): Query;
};

type Builder = (...args: any[]) => Expr;

const BINARY = new Set<string>(["add", "sub", "mul", "div", "mod", "eq", "ne", "lt", "le", "gt", "ge"] satisfies BinaryOp[]);
const LOGICAL = new Set<string>(["and", "or"] satisfies LogicalOp[]);
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** The proxy standing for `expr`: a fresh one on every call, so `Q.a !== Q.a`. */
export function queryOf(expr: Expr): Query {
  // The target is an arrow function so that queries are callable and have no `prototype` to keep;
  // its name is for debuggers and `util.inspect`, which look at the target, not through the proxy.
  const Query = () => {};
  Object.defineProperty(Query, "name", { get: () => source(expr) });
  const query = new Proxy(Query, {
    get: (_target, prop) => (typeof prop === "symbol" ? symbolMember(expr, prop) : member(expr, prop)),
    apply: (_target, _this, args: unknown[]) => queryOf(call(expr, args, callerLocation())),
    set: () => { throw new TypeError(`a query is immutable: ${source(expr)}`); },
    defineProperty: () => { throw new TypeError(`a query is immutable: ${source(expr)}`); },
    deleteProperty: () => { throw new TypeError(`a query is immutable: ${source(expr)}`); },
  }) as unknown as Query;
  register(query, expr);
  return query;
}

/** The root query `Q`. */
export const Q = queryOf({ kind: "identity", location: undefined }) as QueryRoot;

function member(expr: Expr, name: string): unknown {
  if (name === "then") return undefined;
  if (!name.startsWith("$")) {
    const location = callerLocation();
    return queryOf(name === "parent" ? { kind: "parent", subject: expr, location } : { kind: "attr", subject: expr, name, location });
  }
  const build = method(expr, name);
  return (...args: unknown[]) => queryOf(build(...args));
}

function method(expr: Expr, name: string): Builder {
  const op = name.slice(1);
  if (BINARY.has(op) || LOGICAL.has(op)) {
    return (other: unknown) => {
      const location = callerLocation();
      const operands = { left: expr, right: toExpr(other, location), location };
      return LOGICAL.has(op) ? { kind: "logical", op: op as LogicalOp, ...operands } : { kind: "binary", op: op as BinaryOp, ...operands };
    };
  }
  switch (name) {
    case "$attr": return (attr: unknown) => {
      if (typeof attr !== "string") throw new TypeError(`$attr takes an attribute name, not ${String(attr)}`);
      return { kind: "attr", subject: expr, name: attr, location: callerLocation() };
    };
    case "$item": return (key: unknown) => {
      const location = callerLocation();
      return { kind: "item", subject: expr, key: toExpr(key, location), location };
    };
    case "$not": return () => ({ kind: "not", subject: expr, location: callerLocation() });
  }
  if (expr.kind === "identity") {
    switch (name) {
      case "$": return (value: unknown) => toExpr(value, callerLocation());
      case "$fmt": return (strings: TemplateStringsArray, ...values: unknown[]) => {
        const location = callerLocation();
        if (!Array.isArray(strings?.raw)) throw new TypeError("Q.$fmt is a template tag: Q.$fmt`${Q.a} and ${Q.b}`");
        // A cooked string is undefined after an invalid escape (`\u`); the raw text is then what was meant.
        const cooked = strings.map((text, i) => text ?? strings.raw[i]!);
        return { kind: "fmt", strings: cooked, raw: [...strings.raw], values: values.map((v) => toExpr(v, location)), location };
      };
    }
  }
  const where = expr.kind === "identity" ? "" : " (`$` and `$fmt` exist only on Q itself)";
  throw new TypeError(`${source(expr)}.${name}: no such query method${where}; read an attribute named so with $attr(${JSON.stringify(name)})`);
}

function call(expr: Expr, args: unknown[], location: string | undefined): Expr {
  if (expr.kind !== "parent") return { kind: "call", callee: expr, args: args.map((arg) => toExpr(arg, location)), location };
  const [className] = args;
  if (args.length !== 1 || typeof className !== "string") {
    throw new TypeError(`${source(expr)}(name) takes one class name; to call a method named "parent", use $attr("parent")(…)`);
  }
  return { kind: "findParent", subject: expr.subject, className, location };
}

function symbolMember(expr: Expr, symbol: symbol): unknown {
  switch (symbol) {
    case Symbol.toPrimitive: return () => source(expr);
    case Symbol.toStringTag: return "Query";
    case INSPECT: return () => `[Query ${source(expr)}]`;
    default: return undefined;
  }
}

/** True for queries: `Q` and everything built from it. */
export function isQuery(value: unknown): value is Query {
  return exprOf(value) !== undefined;
}

/** Where a query was written (`file:line:column`), if known. */
export function queryLocation(value: Query): string | undefined {
  return exprOf(value)?.location;
}
