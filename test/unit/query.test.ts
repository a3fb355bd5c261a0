import { describe, expect, test } from "bun:test";
import { QueryException } from "../../engine/exceptions.ts";
import {
  evaluateQuery, isQuery, NOT_EVALUATED, Q, type Query, QueryResult, traceQuery,
} from "../../engine/query/index.ts";

const context = { node: "Root.web", attrName: "answer" };
const evaluate = (query: Query, subject: unknown = {}) => evaluateQuery(query, subject, context);

/** The error `fn` throws (the test fails if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

/** The line of the caller, to check where a query says it was written. */
function lineHere(): number {
  const frame = new Error().stack!.split("\n")[2]!;
  return Number(/:(\d+):\d+\)?$/.exec(frame)![1]);
}

// Fake nodes: a parent chain and class names, like Envs but plain objects.
class Root {
  name = "root";
}
class Base {
  parent: unknown;
}
class Web extends Base {
  name = "web";
}
class Git {
  parent: unknown;
  calls: string[] = [];
  constructor(parent: unknown) {
    this.parent = parent;
  }
  async fetch(suffix: string) {
    return `fetched${suffix}`;
  }
  async fail(): Promise<string> {
    throw new Error("fetch failed");
  }
}
const root = new Root();
const web = Object.assign(new Web(), { parent: root });
const git = new Git(web);

describe("building and printing queries", () => {
  test.each([
    [Q, "Q"],
    [Q.a.b, "Q.a.b"],
    [Q.a.method("x", Q.b), "Q.a.method('x', Q.b)"],
    [Q.a.$add(1), "Q.a.$add(1)"],
    [Q.a.b.$add(1).$mul(Q.c), "Q.a.b.$add(1).$mul(Q.c)"],
    [Q.$("x"), "Q.$('x')"],
    [Q.$("it's"), "Q.$('it\\'s')"],
    [Q.$([1, Q.a]), "Q.$([1, Q.a])"],
    [Q.$({ a: Q.b, "x-y": 2 }), "Q.$({ a: Q.b, 'x-y': 2 })"],
    [Q.$fmt`${Q.a} x ${Q.b}`, "Q.$fmt`${Q.a} x ${Q.b}`"],
    [Q.$fmt`port ${8080}`, "Q.$fmt`port ${8080}`"],
    [Q.parent, "Q.parent"],
    [Q.parent.x, "Q.parent.x"],
    [Q.parent("Root"), "Q.parent('Root')"],
    [Q.a.parent("Root").b, "Q.a.parent('Root').b"],
    [Q.a.$item("k"), "Q.a.$item('k')"],
    [Q.a.$item(Q.k), "Q.a.$item(Q.k)"],
    [Q.a.$not(), "Q.a.$not()"],
    [Q.a.$and(Q.b).$or("c"), "Q.a.$and(Q.b).$or('c')"],
    [Q.a.$eq(null).$ne(undefined), "Q.a.$eq(null).$ne(undefined)"],
    [Q.$attr("then"), "Q.$attr('then')"],
    [Q.$attr("$weird"), "Q.$attr('$weird')"],
    [Q.$attr("parent")("x"), "Q.$attr('parent')('x')"],
  ] as [Query, string][])("%p prints as %s", (query, text) => {
    expect(String(query)).toBe(text);
  });

  test("names that functions and objects have (name, length, constructor, toString) are attributes too", () => {
    const query: Query = Q.name.length.constructor.toString.valueOf.call.apply;
    expect(String(query)).toBe("Q.name.length.constructor.toString.valueOf.call.apply");
    expect(evaluate(Q.constructor.name, web)).toBe("Web");
  });

  test("a query interpolated in a template literal prints its source form", () => {
    expect(`${Q.a.b}`).toBe("Q.a.b");
  });

  test("Q.$ returns a query as it is", () => {
    expect(String(Q.$(Q.a))).toBe("Q.a");
  });

  test("isQuery is true for Q and every query built from it, and false for anything else", () => {
    for (const query of [Q, Q.a, Q.a.b(), Q.$(1), Q.$fmt`x`, Q.parent("Root")]) expect(isQuery(query)).toBe(true);
    for (const other of [undefined, null, "Q.a", 1, {}, () => {}, new Proxy({}, {})]) expect(isQuery(other)).toBe(false);
  });

  test("a query is never thenable, so awaiting one gives the query back", async () => {
    expect(Q.then).toBeUndefined();
    expect(Q.a.then).toBeUndefined();
    expect(String(await Q.a)).toBe("Q.a");
    expect(String(await Promise.resolve(Q.a.b))).toBe("Q.a.b");
  });

  test("an attribute named then is read with $attr", () => {
    expect(evaluate(Q.$attr("then"), { then: 5 })).toBe(5);
  });

  test("a query is immutable", () => {
    expect(() => { (Q.a as unknown as Record<string, unknown>).b = 1; }).toThrow("immutable");
    expect(() => { delete (Q.a as unknown as Record<string, unknown>).b; }).toThrow("immutable");
  });

  test("an unknown $ method is an error that points to $attr", () => {
    expect(() => Q.a.$bogus).toThrow("$attr(\"$bogus\")");
  });

  test("$ and $fmt start a query only on Q itself", () => {
    expect(() => Q.a.$("x")).toThrow("only on Q itself");
    expect(() => Q.a.$fmt`x`).toThrow("only on Q itself");
  });

  test("Q.parent takes exactly one class name", () => {
    expect(() => Q.parent(1)).toThrow("one class name");
    expect(() => Q.parent("A", "B")).toThrow("one class name");
  });
});

describe("evaluating attributes, items and calls", () => {
  test.each([
    ["Q is the subject itself", Q, { a: 1 }, { a: 1 }],
    ["an attribute path", Q.a.b, { a: { b: 42 } }, 42],
    ["a missing attribute", Q.a.missing, { a: {} }, undefined],
    ["an attribute of a string", Q.name.length, { name: "web" }, 3],
    ["Q.parent reads the parent attribute", Q.parent.name, web, "root"],
    ["a literal", Q.$("x"), {}, "x"],
    ["an array literal with queries in it", Q.$([Q.a, 2, [Q.b]]), { a: 1, b: 3 }, [1, 2, [3]]],
    ["an object literal with queries in it", Q.$({ x: Q.a, y: { z: Q.b } }), { a: 1, b: 2 }, { x: 1, y: { z: 2 } }],
    ["an item of an object", Q.map.$item("k"), { map: { k: "v" } }, "v"],
    ["an item whose key is a query", Q.map.$item(Q.key), { map: { k: "v" }, key: "k" }, "v"],
    ["an array item", Q.list.$item(1), { list: ["a", "b", "c"] }, "b"],
    ["a negative index counts from the end", Q.list.$item(-1), { list: ["a", "b", "c"] }, "c"],
    ["a character of a string", Q.s.$item(0), { s: "xyz" }, "x"],
    ["a Map entry", Q.m.$item("k"), { m: new Map([["k", 7]]) }, 7],
    ["a method of a string", Q.s.toUpperCase(), { s: "abc" }, "ABC"],
    ["a template with evaluated values", Q.$fmt`${Q.host}:${Q.port}/${"x"}`, { host: "h", port: 22 }, "h:22/x"],
  ] as [string, Query, unknown, unknown][])("%s", (_name, query, subject, expected) => {
    expect(evaluate(query, subject)).toEqual(expected);
  });

  test("a method is called with this = the object it was read from, and query arguments are evaluated", () => {
    const counter = { n: 3, times(k: number, extra: number) { return this.n * k + extra; } };
    expect(evaluate(Q.counter.times(Q.k, 1), { counter, k: 2 })).toBe(7);
  });

  test("a function read as an item is called with this = its container", () => {
    const handlers = { prefix: ">", run(x: string) { return this.prefix + x; } };
    expect(evaluate(Q.handlers.$item("run")("go"), { handlers })).toBe(">go");
  });

  test("the same query evaluates afresh on every run", () => {
    let n = 0;
    const subject = { next: () => ++n };
    const query = Q.next();
    expect([evaluate(query, subject), evaluate(query, subject)]).toEqual([1, 2]);
  });

  test("parent('Name') finds the node itself first", () => {
    expect(evaluate(Q.parent("Git"), git)).toBe(git);
  });

  test("parent('Name') walks up the parent chain", () => {
    expect(evaluate(Q.parent("Root"), git)).toBe(root);
    expect(evaluate(Q.parent("Root").name, git)).toBe("root");
  });

  test("parent('Name') matches a base class's name", () => {
    expect(evaluate(Q.parent("Base"), git)).toBe(web);
  });

  test("parent('Name') without such a node is an error listing the nodes it searched", () => {
    const error = thrown(() => evaluate(Q.parent("Database"), git)) as QueryException;
    expect(error).toBeInstanceOf(QueryException);
    expect((error.innerException as Error).message).toBe("no node of class 'Database' at or above Q (searched Git → Web → Root)");
  });

  test("a query that only steps through synchronous values returns a plain value", () => {
    expect(evaluate(Q.parent.name, git)).toBe("web");
  });

  test("a query that calls an async method returns a Promise of the value", async () => {
    const result = evaluate(Q.fetch("!").$add("?"), git);
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toBe("fetched!?");
  });

  test("a Promise-valued attribute is awaited before the next step", async () => {
    expect(await evaluate(Q.later.name, { later: Promise.resolve({ name: "x" }) })).toBe("x");
  });

  test("a template waits for async values", async () => {
    expect(await evaluate(Q.$fmt`<${Q.fetch("1")}>`, git)).toBe("<fetched1>");
  });
});

describe("operators with Python's meaning", () => {
  test.each([
    ["$add adds numbers", Q.$(2).$add(3), 5],
    ["$add concatenates strings", Q.$("a").$add("b"), "ab"],
    ["$add concatenates arrays", Q.$([1]).$add([2, 3]), [1, 2, 3]],
    ["$sub subtracts", Q.$(5).$sub(7), -2],
    ["$mul multiplies numbers", Q.$(3).$mul(4), 12],
    ["$mul repeats a string", Q.$("ab").$mul(3), "ababab"],
    ["$mul repeats an array", Q.$([1, 2]).$mul(2), [1, 2, 1, 2]],
    ["$mul repeats with the count on the left", Q.$(2).$mul("x"), "xx"],
    ["$div is true division", Q.$(7).$div(2), 3.5],
    ["$div of integers that divide evenly", Q.$(12).$div(4), 3],
    ["$mod of numbers", Q.$(7).$mod(3), 1],
    ["$mod takes the sign of the divisor (positive)", Q.$(-7).$mod(3), 2],
    ["$mod takes the sign of the divisor (negative)", Q.$(7).$mod(-3), -2],
    ["$mod of floats", Q.$(7.5).$mod(2), 1.5],
    ["$mod of bigints", Q.$(-7n).$mod(3n), 2n],
    ["$mod formats a single value", Q.$("hello %s").$mod("world"), "hello world"],
    ["$mod formats an array as a tuple", Q.$("%s-%d").$mod(["a", 3.7]), "a-3"],
    ["$mod formats queries inside the tuple", Q.$("%s:%s").$mod([Q.host, Q.port]), "h:22"],
    ["$mod formats a plain object by name", Q.$("%(name)s is %(age)d").$mod({ name: "Ann", age: 40 }), "Ann is 40"],
    ["$mod with %r gives a repr", Q.$("%r and %r").$mod(["x", [1, "y"]]), "'x' and [1, 'y']"],
    ["$mod with %s of an array inside the tuple", Q.$("%s").$mod([[1, 2]]), "[1, 2]"],
    ["$mod with %% is a percent sign", Q.$("100%%").$mod([]), "100%"],
    ["$mod with width and precision", Q.$("%5.1f|%-4d|%.3s").$mod([3.14159, 42, "abcdef"]), "  3.1|42  |abc"],
    ["$mod with flags", Q.$("%05d %+d % d %#x %#o %X").$mod([-42, 5, 5, 255, 8, 255]), "-0042 +5  5 0xff 0o10 FF"],
    ["$mod with e and g styles", Q.$("%e %g %g %g").$mod([12345.678, 1234567, 100, 0.0001]), "1.234568e+04 1.23457e+06 100 0.0001"],
    ["$eq compares arrays item by item", Q.$([1, [2]]).$eq([1, [2]]), true],
    ["$eq compares plain objects by content", Q.$({ a: 1 }).$eq({ a: 1 }), true],
    ["$eq does not convert types", Q.$(1).$eq("1"), false],
    ["$ne is the opposite of $eq", Q.$([1]).$ne([2]), true],
    ["$lt on numbers", Q.$(1).$lt(2), true],
    ["$le on equal numbers", Q.$(2).$le(2), true],
    ["$gt on strings", Q.$("b").$gt("a"), true],
    ["$ge on arrays compares item by item", Q.$([1, 3]).$ge([1, 2, 9]), true],
    ["$lt with NaN is false", Q.$(NaN).$lt(1), false],
    ["$or returns the left operand when it is truthy", Q.$("a").$or("b"), "a"],
    ["$or returns the right operand when the left is falsy", Q.$(0).$or("x"), "x"],
    ["$or treats an empty array as falsy", Q.$([]).$or("default"), "default"],
    ["$and returns the right operand when the left is truthy", Q.$("a").$and("b"), "b"],
    ["$and returns the left operand when it is falsy", Q.$("").$and("b"), ""],
    ["$and treats an empty object as falsy", Q.$({}).$and("b"), {}],
    ["$not of an empty array is true", Q.$([]).$not(), true],
    ["$not of a non-empty string is false", Q.$("x").$not(), false],
    ["$not of undefined is true", Q.missing.$not(), true],
  ] as [string, Query, unknown][])("%s", (_name, query, expected) => {
    expect(evaluate(query, { host: "h", port: 22 })).toEqual(expected);
  });

  test.each([
    ["$add of a string and a number", Q.$("a").$add(1), "unsupported operand types for + ($add): string and number"],
    ["$sub of strings", Q.$("a").$sub("b"), "unsupported operand types for - ($sub): string and string"],
    ["$div by zero", Q.$(1).$div(0), "division by zero"],
    ["$mod by zero", Q.$(1).$mod(0), "modulo by zero"],
    ["$mul of a string by a fraction", Q.$("a").$mul(1.5), "can't multiply a string by the non-integer 1.5"],
    ["$lt of a number and a string", Q.$(1).$lt("a"), "unsupported operand types for < ($lt): number and string"],
    ["too few values for the format", Q.$("%s %s").$mod(["a"]), "not enough arguments for format string"],
    ["too many values for the format", Q.$("%s").$mod(["a", "b"]), "not all arguments converted during string formatting"],
    ["%d of a string", Q.$("%d").$mod("x"), "%d format: a number is required, not string"],
    ["%(name)s without a mapping", Q.$("%(a)s").$mod(["x"]), "format requires a mapping (a plain object) for %(a)"],
    ["%(name)s missing from the mapping", Q.$("%(a)s").$mod({ b: 1 }), "format key 'a' is missing from the mapping"],
    ["an unknown format character", Q.$("%y").$mod(1), "unsupported format character 'y'"],
    ["an attribute of undefined", Q.a.b.c, "Q.a.b is undefined, so it has no attribute 'c'"],
    ["a call of a non-function", Q.a.b(), "Q.a.b is not a function (it is undefined)"],
    ["an index out of range", Q.a.list.$item(3), "index 3 is out of range for Q.a.list (length 1)"],
    ["a missing key", Q.a.$item("nope"), "Q.a has no key 'nope'"],
  ] as [string, Query, string][])("%s is an error", (_name, query, message) => {
    const error = thrown(() => evaluate(query, { a: { list: [1] } })) as QueryException;
    expect((error.innerException as Error).message).toBe(message);
  });

  test("$or does not evaluate the right operand when the left one decides", () => {
    let calls = 0;
    const subject = { yes: true, no: false, count: () => ++calls };
    expect(evaluate(Q.yes.$or(Q.count()), subject)).toBe(true);
    expect(evaluate(Q.no.$and(Q.count()), subject)).toBe(false);
    expect(calls).toBe(0);
    expect(evaluate(Q.no.$or(Q.count()), subject)).toBe(1);
  });

  test("$or waits for an async left operand before deciding", async () => {
    expect(await evaluate(Q.fetch("").$or("unused"), git)).toBe("fetched");
  });
});

describe("tracing a query", () => {
  const obj = {
    true: () => true,
    false: () => false,
    nested_obj: { true: () => true, false: () => false },
  };
  const entries = (result: unknown) => [...(result as QueryResult).walkThroughSubqueries()];

  test("the trace lists every subquery before its parent, with values (the original's example)", () => {
    const trace = traceQuery(Q.true().$or(Q.nested_obj.false()), obj, context);
    expect(trace).toBeInstanceOf(QueryResult);
    expect(entries(trace)).toEqual([
      ["Q", obj],
      ["Q.true", obj.true],
      ["Q.true()", true],
      ["Q", NOT_EVALUATED],
      ["Q.nested_obj", NOT_EVALUATED],
      ["Q.nested_obj.false", NOT_EVALUATED],
      ["Q.nested_obj.false()", NOT_EVALUATED],
      ["Q.true().$or(Q.nested_obj.false())", true],
    ]);
  });

  test("the trace has a value for both operands when the left one does not decide", () => {
    const trace = traceQuery(Q.true().$and(Q.nested_obj.false()), obj, context);
    expect(entries(trace).map(([, value]) => value)).toEqual([obj, obj.true, true, obj, obj.nested_obj, obj.nested_obj.false, false, false]);
  });

  test("the trace visits item subject then key, call callee then arguments, operands left to right", () => {
    const trace = traceQuery(Q.$([Q.a, 1]).$item(Q.i).$add(Q.f(Q.b)).$not(), { a: 10, i: 0, b: 5, f: (x: number) => x }, context);
    expect(entries(trace)).toEqual([
      ["Q", expect.anything()],
      ["Q.a", 10],
      ["Q.$(1)", 1],
      ["Q.$([Q.a, 1])", [10, 1]],
      ["Q", expect.anything()],
      ["Q.i", 0],
      ["Q.$([Q.a, 1]).$item(Q.i)", 10],
      ["Q", expect.anything()],
      ["Q.f", expect.anything()],
      ["Q", expect.anything()],
      ["Q.b", 5],
      ["Q.f(Q.b)", 5],
      ["Q.$([Q.a, 1]).$item(Q.i).$add(Q.f(Q.b))", 15],
      ["Q.$([Q.a, 1]).$item(Q.i).$add(Q.f(Q.b)).$not()", false],
    ]);
  });

  test("the trace of a query that calls an async method is a Promise", async () => {
    const trace = traceQuery(Q.fetch("!"), git, context);
    expect(trace).toBeInstanceOf(Promise);
    expect(entries(await trace).at(-1)).toEqual(["Q.fetch('!')", "fetched!"]);
  });
});

describe("errors", () => {
  test("a failing query throws a QueryException naming the node, attribute, query, where it was written and the cause", () => {
    const query = Q.missing.name; const line = lineHere();
    const error = thrown(() => evaluate(query, {})) as QueryException;
    expect(error).toBeInstanceOf(QueryException);
    expect(error.node).toBe("Root.web");
    expect(error.attrName).toBe("answer");
    expect(error.query).toBe("Q.missing.name");
    expect(error.location).toStartWith(`${import.meta.path}:${line}:`);
    expect(error.innerException).toBeInstanceOf(TypeError);
    expect(error.message).toContain("Q.missing is undefined, so it has no attribute 'name'");
  });

  test("an error thrown by a called method is the inner exception", () => {
    const boom = new Error("boom");
    const error = thrown(() => evaluate(Q.explode(), { explode: () => { throw boom; } })) as QueryException;
    expect(error.innerException).toBe(boom);
  });

  test("a rejected async method rejects with a QueryException", async () => {
    const query = Q.fail().$add("!"); const line = lineHere();
    const error = await (evaluate(query, git) as Promise<unknown>).catch((e: unknown) => e) as QueryException;
    expect(error).toBeInstanceOf(QueryException);
    expect(error.query).toBe("Q.fail().$add('!')");
    expect(error.location).toStartWith(`${import.meta.path}:${line}:`);
    expect((error.innerException as Error).message).toBe("fetch failed");
  });

  test("an error after an async step also rejects with a QueryException", async () => {
    const error = await (evaluate(Q.fetch("").$sub(1), git) as Promise<unknown>).catch((e: unknown) => e) as QueryException;
    expect(error).toBeInstanceOf(QueryException);
    expect((error.innerException as Error).message).toBe("unsupported operand types for - ($sub): string and number");
  });

  test("evaluating something that is not a query is a TypeError", () => {
    expect(() => evaluateQuery("Q.a" as unknown as Query, {}, context)).toThrow(TypeError);
  });
});
