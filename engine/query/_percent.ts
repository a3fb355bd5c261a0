// Python's printf-style string formatting (`'%s:%d' % (host, port)`), for `$mod` on strings.
import { isPlainObject } from "./_expr.ts";
import { repr, str, typeName } from "./_print.ts";

const SPEC = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?(.?)/gs;

interface Spec {
  flags: string;
  width: number;
  precision: number | undefined;
  conversion: string;
}

/**
 * `format % values`: an array supplies one value per specifier (it stands in for Python's tuple),
 * a plain object or Map supplies `%(name)s` values, anything else is the single value.
 */
export function percentFormat(format: string, values: unknown): string {
  const items = Array.isArray(values) ? values : [values];
  const mapping = isPlainObject(values) || values instanceof Map ? values : undefined;
  let next = 0;
  const take = (): unknown => {
    if (next >= items.length) throw new TypeError("not enough arguments for format string");
    return items[next++];
  };
  const result = format.replace(SPEC, (_match, name: string | undefined, flags: string, width?: string, precision?: string, conversion?: string) => {
    if (!conversion) throw new RangeError("incomplete format: a '%' at the end of the format string");
    if (conversion === "%") return "%";
    const spec: Spec = {
      flags,
      width: width === "*" ? integerArgument(take()) : Number(width ?? 0),
      precision: precision === "*" ? integerArgument(take()) : precision === undefined ? undefined : Number(precision),
      conversion,
    };
    if (spec.width < 0) spec.flags += "-";
    spec.width = Math.abs(spec.width);
    return convert(spec, name === undefined ? take() : lookup(mapping, name));
  });
  if (mapping === undefined && next < items.length) throw new TypeError("not all arguments converted during string formatting");
  return result;
}

function lookup(mapping: Record<string, unknown> | Map<unknown, unknown> | undefined, name: string): unknown {
  if (mapping === undefined) throw new TypeError(`format requires a mapping (a plain object) for %(${name})`);
  if (mapping instanceof Map ? !mapping.has(name) : !Object.hasOwn(mapping, name)) {
    throw new RangeError(`format key '${name}' is missing from the mapping`);
  }
  return mapping instanceof Map ? mapping.get(name) : mapping[name];
}

function integerArgument(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new TypeError(`* wants an integer, not ${typeName(value)}`);
  return value;
}

function convert(spec: Spec, value: unknown): string {
  const { conversion, precision } = spec;
  switch (conversion) {
    case "s":
    case "r":
    case "a": {
      const text = conversion === "s" ? str(value) : repr(value);
      return pad(spec, "", "", precision === undefined ? text : text.slice(0, precision), false);
    }
    case "c": {
      const text = typeof value === "string" && [...value].length === 1 ? value : String.fromCodePoint(Number(integerOf(spec, value)));
      return pad(spec, "", "", text, false);
    }
    case "d": case "i": case "u": case "o": case "x": case "X": {
      const n = integerOf(spec, value);
      const radix = { o: 8, x: 16, X: 16 }[conversion as "o"] ?? 10;
      let digits = (n < 0 ? -n : n).toString(radix).padStart(precision ?? 0, "0");
      if (conversion === "X") digits = digits.toUpperCase();
      const prefix = spec.flags.includes("#") && radix !== 10 ? `0${conversion}` : "";
      return pad(spec, sign(spec, n < 0), prefix, digits, true);
    }
    case "e": case "E": case "f": case "F": case "g": case "G": {
      const x = realOf(spec, value);
      const body = Number.isFinite(x) ? real(conversion.toLowerCase(), Math.abs(x), precision ?? 6, spec.flags.includes("#")) : String(Math.abs(x)) === "Infinity" ? "inf" : "nan";
      const text = conversion === conversion.toUpperCase() ? body.toUpperCase() : body;
      return pad(spec, sign(spec, x < 0 || Object.is(x, -0)), "", text, Number.isFinite(x));
    }
    default:
      throw new RangeError(`unsupported format character '${conversion}'`);
  }
}

function integerOf(spec: Spec, value: unknown): number | bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "boolean") return Number(value);
  if (typeof value !== "number") throw new TypeError(`%${spec.conversion} format: a number is required, not ${typeName(value)}`);
  if (!Number.isFinite(value)) throw new RangeError(`%${spec.conversion} format: cannot convert ${value} to an integer`);
  if (!"diu".includes(spec.conversion) && !Number.isInteger(value)) {
    throw new TypeError(`%${spec.conversion} format: an integer is required, not ${value}`);
  }
  return Math.trunc(value);
}

function realOf(spec: Spec, value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint" || typeof value === "boolean") return Number(value);
  throw new TypeError(`%${spec.conversion} format: a real number is required, not ${typeName(value)}`);
}

/** A non-negative finite number in `f`, `e` or `g` style. */
function real(style: string, x: number, precision: number, alternate: boolean): string {
  if (style === "f") return x.toFixed(precision);
  if (style === "e") return exponential(x, precision);
  const p = precision === 0 ? 1 : precision;
  const exponent = Number(x.toExponential(p - 1).split("e")[1]);
  const text = exponent >= -4 && exponent < p ? x.toFixed(p - 1 - exponent) : exponential(x, p - 1);
  return alternate ? text : text.replace(/\.?0+(?=e|$)/, (zeros) => (zeros.includes(".") || text.includes(".") ? "" : zeros));
}

// Python writes at least two exponent digits: 1.5e+07.
function exponential(x: number, digits: number): string {
  return x.toExponential(digits).replace(/e([+-])(\d)$/, "e$10$2");
}

function sign(spec: Spec, negative: boolean): string {
  return negative ? "-" : spec.flags.includes("+") ? "+" : spec.flags.includes(" ") ? " " : "";
}

function pad(spec: Spec, sign: string, prefix: string, body: string, numeric: boolean): string {
  const text = sign + prefix + body;
  if (spec.flags.includes("-")) return text.padEnd(spec.width);
  if (numeric && spec.flags.includes("0")) return sign + prefix + body.padStart(spec.width - sign.length - prefix.length, "0");
  return text.padStart(spec.width);
}
