// Source form of queries (`Q.a.method('x', Q.b)`) and a readable repr of values, for messages and `%r`.
import { type Expr, exprOf, isPlainObject } from "./_expr.ts";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The query as the user would write it: `Q.a.b.$add(1)`. */
export function source(expr: Expr): string {
  switch (expr.kind) {
    case "identity": return "Q";
    case "literal":
    case "array":
    case "object": return `Q.$(${operand(expr)})`;
    case "attr": return `${source(expr.subject)}${attributePart(expr.name)}`;
    case "parent": return `${source(expr.subject)}.parent`;
    case "findParent": return `${source(expr.subject)}.parent(${repr(expr.className)})`;
    case "item": return `${source(expr.subject)}.$item(${operand(expr.key)})`;
    case "call": return `${source(expr.callee)}(${expr.args.map(operand).join(", ")})`;
    case "binary":
    case "logical": return `${source(expr.left)}.$${expr.op}(${operand(expr.right)})`;
    case "not": return `${source(expr.subject)}.$not()`;
    case "fmt": {
      const parts = expr.raw.map((raw, i) => (i === 0 ? raw : `\${${operand(expr.values[i - 1]!)}}${raw}`));
      return `Q.$fmt\`${parts.join("")}\``;
    }
  }
}

// `.name` only where reading `.name` on a query really means that attribute; otherwise the explicit form.
function attributePart(name: string): string {
  const plain = IDENTIFIER.test(name) && name !== "then" && name !== "parent";
  return plain ? `.${name}` : `.$attr(${repr(name)})`;
}

/** An expression in argument position: literals bare (`1`, `'x'`, `[1, Q.a]`), queries in source form. */
function operand(expr: Expr): string {
  switch (expr.kind) {
    case "literal": return repr(expr.value);
    case "array": return `[${expr.items.map(operand).join(", ")}]`;
    case "object": {
      if (expr.entries.length === 0) return "{}";
      return `{ ${expr.entries.map(([key, value]) => `${propertyKey(key)}: ${operand(value)}`).join(", ")} }`;
    }
    default: return source(expr);
  }
}

function propertyKey(key: string): string {
  return IDENTIFIER.test(key) ? key : repr(key);
}

/** A value in source-like form: strings single-quoted, arrays and plain objects spelled out, other objects as `<Class>`. */
export function repr(value: unknown, seen: ReadonlySet<object> = new Set()): string {
  const expr = exprOf(value);
  if (expr) return source(expr);
  switch (typeof value) {
    case "string": return `'${JSON.stringify(value).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`;
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `${value}n`;
    case "function": return /^class[\s{]/.test(Function.prototype.toString.call(value)) ? `[class ${value.name}]` : `[Function ${value.name || "(anonymous)"}]`;
    case "object": break;
    default: return String(value);
  }
  if (value === null) return "null";
  if (seen.has(value)) return "[Circular]";
  const inner = new Set(seen).add(value);
  if (Array.isArray(value)) return `[${value.map((item) => repr(item, inner)).join(", ")}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    return `{ ${entries.map(([key, item]) => `${propertyKey(key)}: ${repr(item, inner)}`).join(", ")} }`;
  }
  return `<${className(value)}>`;
}

/** Python's `str()` for `%s`: strings as they are, containers as their repr, anything else as `String()`. */
export function str(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) || isPlainObject(value)) return repr(value);
  return String(value);
}

/** The class name of an object (`Web` for a Web node or its Env), for messages. */
export function className(value: object): string {
  const proto = Object.getPrototypeOf(value);
  const ctor = proto && Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
  return typeof ctor === "function" && ctor.name ? ctor.name : "Object";
}

/** A short type name for error messages: `string`, `number`, `array`, `undefined`, `Web`. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return isPlainObject(value) ? "object" : className(value);
  return typeof value;
}
