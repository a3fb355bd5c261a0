// Evaluating a query against a subject (an Env), recording every subquery's value on the way.
import { QueryException } from "../exceptions.ts";
import { childrenOf, type Expr, exprOf, isPlainObject } from "./_expr.ts";
import { type Query, queryOf } from "./_proxy.ts";
import { className, repr, source, typeName } from "./_print.ts";
import { binary, truthy } from "./_python.ts";

/** The value of a subquery that was not evaluated: the right side of a short-circuited `$and`/`$or`. */
export const NOT_EVALUATED: unique symbol = Symbol("not evaluated");

/** A query with its value and the results of its subqueries: what `--inspect` shows. */
export class QueryResult {
  constructor(
    readonly query: Query,
    /** The value; `NOT_EVALUATED` for a part that a short-circuit skipped. */
    readonly result: unknown,
    readonly subqueries: readonly QueryResult[],
  ) {}

  /** `[expression, value]` for every subquery and then this query: children before their parent. */
  *walkThroughSubqueries(): Generator<[expression: string, value: unknown]> {
    for (const subquery of this.subqueries) yield* subquery.walkThroughSubqueries();
    yield [String(this.query), this.result];
  }
}

/** Names the query in errors: the node it runs on and the attribute it is stored in. */
export interface QueryContext {
  node: string;
  attrName: string;
}

type Maybe<T> = T | Promise<T>;

/** The value of `query` for `subject`; a Promise only if a step gave one (an async method was called). */
export function evaluateQuery(query: Query, subject: unknown, context: QueryContext): unknown {
  return guarded(query, context, (expr) => then(run(expr, subject), (result) => result.result));
}

/** Like `evaluateQuery`, but with the value of every subquery. */
export function traceQuery(query: Query, subject: unknown, context: QueryContext): Maybe<QueryResult> {
  return guarded(query, context, (expr) => run(expr, subject));
}

// Any failure, thrown or rejected, leaves as one QueryException that names where the query was written.
function guarded<T>(query: Query, context: QueryContext, body: (expr: Expr) => Maybe<T>): Maybe<T> {
  const expr = exprOf(query);
  if (!expr) throw new TypeError(`not a query: ${repr(query)}`);
  const fail = (error: unknown): never => {
    throw new QueryException(context.node, context.attrName, source(expr), error, expr.location);
  };
  try {
    const result = body(expr);
    return result instanceof Promise ? result.catch(fail) : result;
  } catch (error) {
    return fail(error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null
    && typeof (value as { then?: unknown }).then === "function";
}

/** `next(value)`, once `value` has settled: synchronous as long as nothing is a Promise. */
function then<T, U>(value: Maybe<T>, next: (value: T) => Maybe<U>): Maybe<U> {
  return isThenable(value) ? Promise.resolve(value).then(next) : next(value as T);
}

function run(expr: Expr, subject: unknown): Maybe<QueryResult> {
  if (expr.kind === "logical") {
    return then(run(expr.left, subject), (left) => {
      const decided = expr.op === "and" ? !truthy(left.result) : truthy(left.result);
      if (decided) return done(expr, left.result, [left, skipped(expr.right)]);
      return then(run(expr.right, subject), (right) => done(expr, right.result, [left, right]));
    });
  }
  return then(sequence(childrenOf(expr), subject), (subqueries) =>
    then(compute(expr, subject, subqueries), (value) => done(expr, value, subqueries)));
}

function done(expr: Expr, value: unknown, subqueries: readonly QueryResult[]): QueryResult {
  return new QueryResult(queryOf(expr), value, subqueries);
}

function skipped(expr: Expr): QueryResult {
  return new QueryResult(queryOf(expr), NOT_EVALUATED, childrenOf(expr).map(skipped));
}

// One after the other, so side effects (method calls) happen in the order they are written.
function sequence(exprs: readonly Expr[], subject: unknown): Maybe<QueryResult[]> {
  const results: QueryResult[] = [];
  const from = (start: number): Maybe<QueryResult[]> => {
    for (let i = start; i < exprs.length; i++) {
      const result = run(exprs[i]!, subject);
      if (result instanceof Promise) return result.then((settled) => (results.push(settled), from(i + 1)));
      results.push(result);
    }
    return results;
  };
  return from(0);
}

function compute(expr: Expr, subject: unknown, subqueries: readonly QueryResult[]): unknown {
  const values = subqueries.map((subquery) => subquery.result);
  switch (expr.kind) {
    case "identity": return subject;
    case "literal": return expr.value;
    case "array": return values;
    case "object": return Object.fromEntries(expr.entries.map(([key], i) => [key, values[i]]));
    case "attr": return readAttribute(expr.subject, values[0], expr.name);
    case "parent": return readAttribute(expr.subject, values[0], "parent");
    case "findParent": return findParent(expr.subject, values[0], expr.className);
    case "item": return readItem(expr.subject, values[0], values[1]);
    case "call": {
      const [fn, ...args] = values;
      if (typeof fn !== "function") throw new TypeError(`${source(expr.callee)} is not a function (it is ${typeName(fn)})`);
      // Like JS: `obj.m()` and `obj[k]()` call with `this` = obj.
      const receiver = ["attr", "parent", "item"].includes(expr.callee.kind) ? subqueries[0]!.subqueries[0]!.result : undefined;
      return Reflect.apply(fn, receiver, args);
    }
    case "binary": return binary(expr.op, values[0], values[1]);
    case "logical": throw new Error("unreachable: logical operators are evaluated by run()");
    case "not": return !truthy(values[0]);
    case "fmt": return expr.strings.map((text, i) => (i === 0 ? text : String(values[i - 1]) + text)).join("");
  }
}

function readAttribute(subjectExpr: Expr, value: unknown, name: string): unknown {
  if (value === null || value === undefined) throw new TypeError(`${source(subjectExpr)} is ${value}, so it has no attribute '${name}'`);
  return (value as Record<string, unknown>)[name];
}

// Python's `container[key]`: negative indices count from the end; a missing key or index is an error.
function readItem(subjectExpr: Expr, container: unknown, key: unknown): unknown {
  const what = source(subjectExpr);
  if (container === null || container === undefined) throw new TypeError(`${what} is ${container}, so it has no item ${repr(key)}`);
  if (Array.isArray(container) || typeof container === "string") {
    if (typeof key !== "number" || !Number.isInteger(key)) throw new TypeError(`${what} is indexed by integers, not ${repr(key)}`);
    const index = key < 0 ? container.length + key : key;
    if (index < 0 || index >= container.length) throw new RangeError(`index ${key} is out of range for ${what} (length ${container.length})`);
    return container[index];
  }
  if (container instanceof Map) {
    if (!container.has(key)) throw new RangeError(`${what} has no key ${repr(key)}`);
    return container.get(key);
  }
  if (typeof key !== "string" && typeof key !== "number" && typeof key !== "symbol") {
    throw new TypeError(`${what}: an item key must be a string, number or symbol, not ${typeName(key)}`);
  }
  if (isPlainObject(container) && !Object.hasOwn(container, key)) throw new RangeError(`${what} has no key ${repr(key)}`);
  return (container as Record<PropertyKey, unknown>)[key];
}

// Python's FindParentByName: the node itself first, then up through `.parent`.
function findParent(subjectExpr: Expr, start: unknown, name: string): unknown {
  const searched: string[] = [];
  const seen = new Set<unknown>();
  for (let node = start; (typeof node === "object" || typeof node === "function") && node !== null && !seen.has(node);
    node = (node as { parent?: unknown }).parent) {
    seen.add(node);
    if (classNames(node).includes(name)) return node;
    searched.push(className(node));
  }
  const where = searched.length ? `searched ${searched.join(" → ")}` : `it is ${typeName(start)}`;
  throw new Error(`no node of class '${name}' at or above ${source(subjectExpr)} (${where})`);
}

/** The names of an object's class and its base classes, nearest first. */
function classNames(value: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Object.prototype && proto !== Function.prototype; proto = Object.getPrototypeOf(proto)) {
    const ctor = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
    if (typeof ctor === "function") names.push(ctor.name);
  }
  return names;
}
