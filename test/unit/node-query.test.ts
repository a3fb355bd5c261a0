import { describe, expect, test } from "bun:test";
import {
  ActionException, DummyPty, Env, Inspector, LocalHost, Node, ParallelActionResult, ParallelNode, Q, QueryException,
  arrayOf, child, isQuery, query,
} from "../../engine/index.ts";

class A1 extends LocalHost { slug = "a1"; }
class A2 extends LocalHost { slug = "a2"; }

class Service extends Node {
  port = query<number>(Q.parent.basePort.$add(Q.parent.offset));
  label = query<string>(Q.$fmt`${Q.parent("Root").name}:${Q.port}`);
  upper = query<Promise<string>>(Q.parent.greet("world"));
  broken = query<string>(Q.parent.missing.deeper);
  async show() {
    return this.port;
  }
  async useBroken() {
    return this.broken;
  }
}

class Worker extends ParallelNode {
  where = query<string>(Q.host.slug);
}

class Root extends Node {
  Hosts = { host: [A1, A2] };
  name = "prod";
  basePort = 8000;
  offset = 80;
  service = child(Service);
  workers = child(arrayOf(Worker));
  async greet(who: string) {
    return `HELLO ${who.toUpperCase()}`;
  }
}

const envOf = () => new Env(new Root(), { pty: new DummyPty() });

describe("queries on nodes", () => {
  test("a query field reads as its value on an Env, evaluated against that node", async () => {
    const env = envOf();
    expect(env.service.port).toBe(8080);
    expect(env.service.label).toBe("prod:8080");
    expect(await env.service.show()).toBe(8080);
  });

  test("a query that calls an action gives a Promise of its result", async () => {
    const value = envOf().service.upper;
    expect(value).toBeInstanceOf(Promise);
    expect(await value).toBe("HELLO WORLD");
  });

  test("on a bare node the field is the query itself", () => {
    const port = new Root().service.port;
    expect(isQuery(port)).toBe(true);
    expect(String(port)).toBe("Q.parent.basePort.$add(Q.parent.offset)");
  });

  test("a failing query names the node, the attribute, the expression and where it was written", async () => {
    const env = envOf();
    let error: unknown;
    try {
      void env.service.broken;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueryException);
    const q = error as QueryException;
    expect([q.node, q.attrName, q.query]).toEqual(["Root.service", "broken", "Q.parent.missing.deeper"]);
    // Where it was written is checked through the binary (test/e2e/engine.test.ts): under `bun test`
    // JavaScriptCore reports class field initialisers without a file.
    const wrapped = await env.service.useBroken().then(() => undefined, (e: unknown) => e);
    expect(wrapped).toBeInstanceOf(ActionException);
    expect((wrapped as ActionException).innerException).toBeInstanceOf(QueryException);
  });

  test("a query on a ParallelNode outside its isolations is evaluated on each", () => {
    const env = envOf();
    expect((env.workers.where as unknown as ParallelActionResult).values()).toEqual(["a1", "a2"]);
    expect(env.workers.at(1).where).toBe("a2");
  });

  test("the Inspector lists queries and traces one with every subquery's value", async () => {
    const inspector = new Inspector(envOf().service);
    expect(inspector.getQueries()).toEqual(["broken", "label", "port", "upper"]);
    expect(inspector.hasQuery("port")).toBe(true);
    expect(inspector.getActionNames()).toEqual(["show", "useBroken"]);
    const trace = await inspector.traceQuery("port");
    expect(trace.result).toBe(8080);
    expect([...trace.walkThroughSubqueries()]).toEqual([
      ["Q", expect.anything()],
      ["Q.parent", expect.anything()],
      ["Q.parent.basePort", 8000],
      ["Q", expect.anything()],
      ["Q.parent", expect.anything()],
      ["Q.parent.offset", 80],
      ["Q.parent.basePort.$add(Q.parent.offset)", 8080],
    ]);
  });
});
