import { describe, expect, test } from "bun:test";
import {
  ActionException, ALL_HOSTS, DummyPty, Env, Inspector, LocalHost, Node, ParallelActionResult, ParallelNode,
  alias, arrayOf, child, dontIsolateYet, isolateOneOnly, mapRoles, suppressActionResult,
} from "../../engine/index.ts";

class L1 extends LocalHost { slug = "localhost1"; }
class L2 extends LocalHost { slug = "localhost2"; }
class L3 extends LocalHost { slug = "localhost3"; }
class L4 extends LocalHost { slug = "localhost4"; }
class L5 extends LocalHost { slug = "localhost5"; }

/** Resolves once `count` callers have arrived: proves they ran at the same time (sequential runs would hang). */
function rendezvous(count: number) {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return async (): Promise<void> => {
    if (++arrived === count) release();
    const guard = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${arrived} of ${count} isolations arrived: they do not run concurrently`)), 10_000).unref?.());
    await Promise.race([all, guard]);
  };
}

let meet = rendezvous(3);

class Web extends ParallelNode {
  async whoami() {
    return this.host.slug;
  }
  async echo(text: string) {
    return await this.host.run(`echo ${text}`, { interactive: false });
  }
  @dontIsolateYet
  async once() {
    return `once over ${this.hosts.filter("host").length} hosts`;
  }
  @dontIsolateYet
  async onceThenEach() {
    return [...(await this.whoami() as unknown as ParallelActionResult<string>)];
  }
  @isolateOneOnly
  async pick() {
    return this.host.slug;
  }
  @suppressActionResult
  async quiet() {
    return "not shown";
  }
  @alias("say.hi")
  @alias("hello")
  async greet() {
    return `hi from ${this.host.slug}`;
  }
  async failOn(slug: string) {
    if (this.host.slug === slug) throw new Error(`boom on ${slug}`);
    return `ok ${this.host.slug}`;
  }
  async meetAll() {
    // The first host waits longest, so completion order is the reverse of host order.
    await meet();
    await new Promise((resolve) => setTimeout(resolve, (3 - Number(this.host.slug.at(-1))) * 20));
    return this.host.slug;
  }
  async extraHosts() {
    return this.hosts.filter("extra").length;
  }
  get where() {
    return `at ${this.host.slug}`;
  }
}

class Db extends ParallelNode {
  async whoami() {
    return `${this.parent.host.slug}>${this.host.slug}`;
  }
}

class Inner extends Node {
  db = child(mapRoles({ host: "dbs" })(arrayOf(Db)));
}

class Outer extends ParallelNode {
  inner = child(Inner);
}

class Root extends Node {
  Hosts = { web: [L1, L2, L3], db: L4, extra: [L4, L5], dbs: [L4, L5] };
  web = child(mapRoles({ host: "web", extra: "extra" })(Web.Array));
  db = child(mapRoles({ host: "db" })(Web.JustOne));
  all = child(mapRoles({ host: ALL_HOSTS })(arrayOf(Web)));
  outer = child(mapRoles({ host: "web", dbs: "dbs" })(arrayOf(Outer)));
  empty = child(mapRoles({ host: "nothing" })(arrayOf(Web)));
  async fromRoot() {
    const results = await this.web.whoami() as ParallelActionResult<string>;
    return [...results];
  }
}

const envOf = () => new Env(new Root(), { pty: new DummyPty() });

describe("ParallelNode", () => {
  test("an action runs once per host and resolves to a ParallelActionResult in host order", async () => {
    const env = envOf();
    const result = await env.web.whoami() as unknown as ParallelActionResult<string>;
    expect(result).toBeInstanceOf(ParallelActionResult);
    expect([...result]).toEqual(["localhost1", "localhost2", "localhost3"]);
    expect(result.values()).toEqual(["localhost1", "localhost2", "localhost3"]);
    expect(result.keys().every((key) => key instanceof Web && key instanceof Env)).toBe(true);
    expect(result.items().map(([key, value]) => [new Inspector(key).getIsolationIdentifier(), value])).toEqual([
      ["localhost1", "localhost1"], ["localhost2", "localhost2"], ["localhost3", "localhost3"],
    ]);
    expect(result.get("localhost2")).toBe("localhost2");
    expect(String(result)).toBe(`{ localhost1: 'localhost1', localhost2: 'localhost2', localhost3: 'localhost3' }`);
  });

  test("isolations run concurrently, and results keep host order whatever order they finish in", async () => {
    meet = rendezvous(3);
    const result = await envOf().web.meetAll() as unknown as ParallelActionResult<string>;
    expect(result.values()).toEqual(["localhost1", "localhost2", "localhost3"]);
  });

  test("real commands run on each host", async () => {
    const result = await envOf().web.echo("hi") as unknown as ParallelActionResult<string>;
    expect(result.values()).toEqual(["hi\n", "hi\n", "hi\n"]);
  });

  test("at() picks one isolation by host class, index, slug or this.host; a missing one names the available", async () => {
    const env = envOf();
    expect(await env.web.at(L2).whoami()).toBe("localhost2");
    expect(await env.web.at(0).whoami()).toBe("localhost1");
    expect(await env.web.at("localhost3").whoami()).toBe("localhost3");
    const cell = env.web.at(1);
    expect(await env.web.at(cell.host).whoami()).toBe("localhost2");
    expect(() => env.web.at(L5)).toThrow("web has no isolation L5 (available: localhost1, localhost2, localhost3)");
    expect(() => env.web.at(7)).toThrow("has no isolation 7");
    expect(() => cell.at(0)).toThrow("already isolated");
  });

  test("iterating a ParallelNode yields its isolations, whose parent is the isolated parent", () => {
    const cells = [...envOf().web];
    expect(cells.map((cell) => cell.host.slug)).toEqual(["localhost1", "localhost2", "localhost3"]);
    expect(cells.every((cell) => cell.parent instanceof Root)).toBe(true);
    const bare = [...new Root().web];
    expect(bare).toHaveLength(3);
  });

  test("roles other than host are passed whole to every isolation", async () => {
    const result = await envOf().web.extraHosts() as unknown as ParallelActionResult<number>;
    expect(result.values()).toEqual([2, 2, 2]);
  });

  test("ALL_HOSTS maps every host of the parent, across roles, without duplicates", async () => {
    const result = await envOf().all.whoami() as unknown as ParallelActionResult<string>;
    expect(result.values()).toEqual(["localhost1", "localhost2", "localhost3", "localhost4", "localhost5"]);
  });

  test("one failing isolation does not stop the others; the error carries every outcome", async () => {
    const error = await (envOf().web.failOn("localhost2") as Promise<unknown>).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ActionException);
    const { outcomes, message } = error as ActionException;
    expect(message).toBe("Root.web.failOn failed on 1 of 3: localhost2: boom on localhost2");
    expect([...outcomes!.entries()].map(([name, o]) => [name, o.ok ? o.value : (o.error as Error).message])).toEqual([
      ["localhost1", "ok localhost1"], ["localhost2", "boom on localhost2"], ["localhost3", "ok localhost3"],
    ]);
  });

  test("called from another action it forks there, and the result comes back to the caller", async () => {
    expect(await envOf().fromRoot()).toEqual(["localhost1", "localhost2", "localhost3"]);
  });

  test("@dontIsolateYet runs once on the whole node; actions it calls on itself fork", async () => {
    const env = envOf();
    expect(await env.web.once()).toBe("once over 3 hosts");
    expect(await env.web.onceThenEach()).toEqual(["localhost1", "localhost2", "localhost3"]);
  });

  test("@isolateOneOnly runs on one chosen isolation and returns its plain result", async () => {
    const result = await envOf().web.pick();
    expect(["localhost1", "localhost2", "localhost3"]).toContain(result as string);
  });

  test("@alias makes an action reachable under other names, listed by the Inspector", async () => {
    const cell = envOf().web.at(0) as unknown as Record<string, () => Promise<string>>;
    expect(await cell["say.hi"]!()).toBe("hi from localhost1");
    expect(await cell.hello!()).toBe("hi from localhost1");
    expect(new Inspector(new Root().web).getActionNames()).toEqual(expect.arrayContaining(["greet", "hello", "say.hi"]));
  });

  test("@suppressActionResult is reported by the Inspector and the value still returns", async () => {
    const inspector = new Inspector(new Root().web);
    expect(inspector.suppressResultForAction("quiet")).toBe(true);
    expect(inspector.suppressResultForAction("greet")).toBe(false);
    expect((await envOf().web.quiet() as unknown as ParallelActionResult).values()).toEqual(["not shown", "not shown", "not shown"]);
  });

  test("a getter on a ParallelNode that is not isolated is read on every isolation", () => {
    const env = envOf();
    expect((env.web.where as unknown as ParallelActionResult).values()).toEqual(["at localhost1", "at localhost2", "at localhost3"]);
    expect(env.web.at(2).where).toBe("at localhost3");
  });

  test("this.host outside an isolation says to use this.hosts", () => {
    expect(() => envOf().web.host).toThrow("this.host exists only on an isolated ParallelNode");
  });

  test("with no hosts there is nothing to do and the result is empty", async () => {
    const result = await envOf().empty.whoami() as unknown as ParallelActionResult;
    expect(result.length).toBe(0);
  });

  test(".JustOne under an isolated node is isolated itself: its action returns the plain result", async () => {
    expect(await envOf().db.whoami()).toBe("localhost4");
  });

  test("a ParallelNode root isolates over its own hosts", async () => {
    class Solo extends Web { Hosts = { host: [L4, L5] }; }
    const env = new Env(new Solo(), { pty: new DummyPty() });
    expect((await env.whoami() as unknown as ParallelActionResult).values()).toEqual(["localhost4", "localhost5"]);
  });
});

describe("nesting", () => {
  test("nested arrays multiply: every combination of outer and inner host is one isolation", async () => {
    const env = envOf();
    const result = await env.outer.inner.db.whoami() as unknown as ParallelActionResult<string>;
    expect(result.values()).toEqual([
      "localhost1>localhost4", "localhost1>localhost5",
      "localhost2>localhost4", "localhost2>localhost5",
      "localhost3>localhost4", "localhost3>localhost5",
    ]);
    const inspector = new Inspector(env.outer.inner.db);
    expect(inspector.iterIsolations("INT_TUPLES").map(([id]) => id)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]]);
    expect(inspector.iterIsolations("HOSTS_SLUG")[3]![0]).toEqual(["localhost2", "localhost5"]);
    expect(inspector.iterIsolations("HOST_TUPLES")[5]![0]).toEqual([L3, L5]);
    expect(await env.outer.inner.db.at([1, "localhost4"]).whoami()).toBe("localhost2>localhost4");
    expect(await env.outer.at(L2).inner.db.at(L5).whoami()).toBe("localhost2>localhost5");
    expect(() => env.outer.inner.db.at([0])).toThrow("has no isolation");
  });

  test("a ParallelNode inside a Node must be nested with .Array or .JustOne", () => {
    class Bad extends Node { web = child(Web); }
    expect(() => new Bad().web).toThrow("Bad.web: a ParallelNode (Web) inside a Node must be nested as Web.Array or Web.JustOne");
  });

  test(".Array cannot be nested in a ParallelNode, and exists only on a plain ParallelNode", () => {
    class Bad extends ParallelNode { inner = child(arrayOf(Db)); }
    class Holder extends Node { bad = child(arrayOf(Bad)); Hosts = { host: L1 }; }
    expect(() => new Holder().bad.inner).toThrow("Db.Array cannot be nested in the ParallelNode");
    expect(() => (Web.Array as unknown as typeof Web).Array).toThrow("Web.Array.Array: only a plain ParallelNode has .Array (Web.Array is already .Array)");
    expect(() => (Node as unknown as typeof Web).Array).toBeUndefined;
  });

  test(".JustOne with several hosts is an error naming the count", () => {
    class Two extends Node {
      Hosts = { host: [L1, L2] };
      one = child(Web.JustOne);
    }
    expect(() => new Two().one).toThrow("Web.JustOne needs exactly one host in its \"host\" role, but 2 are given");
  });

  test("Web.Array is the same class every time and named after Web", () => {
    expect(Web.Array).toBe(Web.Array);
    expect(Web.Array.name).toBe("Web.Array");
    expect(new Root().web).toBeInstanceOf(Web);
  });
});
