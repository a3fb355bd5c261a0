// A query as plain data: an immutable expression tree that the Proxy builds and ordinary functions read.

/** The binary operators, named after their `$` methods. */
export type BinaryOp = "add" | "sub" | "mul" | "div" | "mod" | "eq" | "ne" | "lt" | "le" | "gt" | "ge";
/** `$and` and `$or`: they return an operand and evaluate the right one only when needed. */
export type LogicalOp = "and" | "or";

/** One node of a query. `location` is `file:line:column` of the user's code that built it. */
export type Expr = Readonly<
  & { location: string | undefined }
  & (
    | { kind: "identity" }
    | { kind: "literal"; value: unknown }
    | { kind: "array"; items: readonly Expr[] }
    | { kind: "object"; entries: readonly (readonly [string, Expr])[] }
    | { kind: "attr"; subject: Expr; name: string }
    /** `.parent`: reads attribute `parent`, but calling it finds a node by class name. */
    | { kind: "parent"; subject: Expr }
    | { kind: "findParent"; subject: Expr; className: string }
    | { kind: "item"; subject: Expr; key: Expr }
    | { kind: "call"; callee: Expr; args: readonly Expr[] }
    | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr }
    | { kind: "logical"; op: LogicalOp; left: Expr; right: Expr }
    | { kind: "not"; subject: Expr }
    | { kind: "fmt"; strings: readonly string[]; raw: readonly string[]; values: readonly Expr[] }
  )
>;

// Query proxy → its expression. A WeakMap rather than a property, so no name is reserved on the proxy.
const exprs = new WeakMap<object, Expr>();

/** Remember that `query` (a proxy) stands for `expr`. */
export function register(query: object, expr: Expr): void {
  exprs.set(query, expr);
}

/** The expression behind a query proxy, or undefined for anything else. */
export function exprOf(value: unknown): Expr | undefined {
  return typeof value === "function" ? exprs.get(value) : undefined;
}

/** True for plain `{...}` objects (not class instances), which `Q.$` turns into object queries. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value` as an expression: queries as they are, arrays and plain objects item by item, anything else a literal. */
export function toExpr(value: unknown, location: string | undefined): Expr {
  const expr = exprOf(value);
  if (expr) return expr;
  if (Array.isArray(value)) return { kind: "array", items: Array.from(value, (item) => toExpr(item, location)), location };
  if (isPlainObject(value)) {
    return { kind: "object", entries: Object.entries(value).map(([k, v]) => [k, toExpr(v, location)] as const), location };
  }
  return { kind: "literal", value, location };
}

/** The direct subexpressions, in evaluation (and trace) order. */
export function childrenOf(expr: Expr): readonly Expr[] {
  switch (expr.kind) {
    case "identity":
    case "literal": return [];
    case "array": return expr.items;
    case "object": return expr.entries.map(([, value]) => value);
    case "attr":
    case "parent":
    case "findParent":
    case "not": return [expr.subject];
    case "item": return [expr.subject, expr.key];
    case "call": return [expr.callee, ...expr.args];
    case "binary":
    case "logical": return [expr.left, expr.right];
    case "fmt": return expr.values;
  }
}
