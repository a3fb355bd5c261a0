import { describe, expect, test } from "bun:test";
import { ALL_HOSTS, DummyPty, Env, LocalHost, Node, child, mapRoles } from "../../engine/index.ts";

class H1 extends LocalHost { slug = "h1"; }
class H2 extends LocalHost { slug = "h2"; }
class H3 extends LocalHost { slug = "h3"; }
class H4 extends LocalHost { slug = "h4"; }

class Leaf extends Node {
  async roles() {
    return Object.fromEntries(this.hosts.roles.map((role) => [role, this.hosts.filter(role).getHostClasses().map((h) => new h().slug)]));
  }
}

class Root extends Node {
  Hosts = { web: [H1, H2], db: H3, queue: new Set([H4, H1]), role10: H1, role9: H2 };
  inherits = child(Leaf);
  byString = child(mapRoles({ host: "db" })(Leaf));
  byList = child(mapRoles({ host: ["web", "db"], q: "queue" })(Leaf));
  everything = child(mapRoles({ all: ALL_HOSTS })(Leaf));
  positional = child(mapRoles("db", "queue")(Leaf));
  missing = child(mapRoles({ host: "nope" })(Leaf));
  @mapRoles({ only: "db" })
  asFieldDecorator = child(Leaf);
  nested = child(class Middle extends Node {
    leaf = child(mapRoles({ x: "web" })(Leaf));
  });
  async makeOther() {
    const other = this.initializeNode(class Other extends Node {
      Hosts = { mine: H4 };
      async where() { return await this.hosts.run("echo $((1 + 1))", { interactive: false }); }
    });
    return await other.where();
  }
}

const envOf = () => new Env(new Root(), { pty: new DummyPty() });

describe("roles", () => {
  test.each([
    ["inherits", { db: ["h3"], queue: ["h4", "h1"], role10: ["h1"], role9: ["h2"], web: ["h1", "h2"] }],
    ["byString", { host: ["h3"] }],
    ["byList", { host: ["h1", "h2", "h3"], q: ["h4", "h1"] }],
    ["everything", { all: ["h1", "h2", "h3", "h4"] }],
    ["positional", { host: ["h3", "h4", "h1"] }],
    ["missing", { host: [] }],
    ["asFieldDecorator", { only: ["h3"] }],
  ] as const)("%s gets %j", async (name, expected) => {
    const env = envOf() as unknown as Record<string, Leaf>;
    expect(await env[name]!.roles()).toEqual(expected as unknown as Record<string, string[]>);
  });

  test("mappings apply at every level", async () => {
    expect(await envOf().nested.leaf.roles()).toEqual({ x: ["h1", "h2"] });
  });

  test("roles are sorted as strings", () => {
    expect(envOf().hosts.roles).toEqual(["db", "queue", "role10", "role9", "web"]);
  });

  test("mapRoles leaves the original class alone", async () => {
    expect(await new Env(new (class extends Node { Hosts = { a: H1 }; leaf = child(Leaf); })(), { pty: new DummyPty() }).leaf.roles()).toEqual({ a: ["h1"] });
  });

  test("a bad mapping or Hosts value is a clear error", () => {
    expect(() => mapRoles({ host: 5 as unknown as string })).toThrow(`mapRoles: role "host" must map to a role name, an array of role names, or ALL_HOSTS`);
    class Bad extends Node { Hosts = { web: 4 as never }; }
    expect(() => new Env(new Bad()).hosts).toThrow("Bad.Hosts.web must be a host class or an array of host classes");
  });
});

describe("HostsContainer", () => {
  test("lists, filters and indexes its hosts", () => {
    const hosts = envOf().hosts;
    expect(hosts.length).toBe(4);
    expect(hosts.getHosts()).toEqual(new Set([H1, H2, H3, H4]));
    expect(hosts.getHostsAsDict()).toEqual({ web: new Set([H1, H2]), db: new Set([H3]), queue: new Set([H4, H1]), role10: new Set([H1]), role9: new Set([H2]) });
    expect([...hosts.filter("web", "db")].map((h) => h.slug)).toEqual(["h1", "h2", "h3"]);
    expect(hosts.filter("web").at(1).slug).toBe("h2");
    expect(hosts.filter("nothing").length).toBe(0);
    expect(() => hosts.filter("web").at(5)).toThrow("no host at index 5 (there are 2)");
  });

  test("the same host class is one Host instance, one connection, across the whole run", () => {
    const env = envOf();
    expect(env.hosts.filter("web").at(0)).toBe(env.byList.hosts.at(0));
  });

  test("run goes to every host and keeps host order", async () => {
    const outputs = await envOf().hosts.filter("web", "db").run("echo ok", { interactive: false });
    expect(outputs).toEqual(["ok\n", "ok\n", "ok\n"]);
  });
});

test("initializeNode builds a new root sharing this run, usable from an action", async () => {
  expect(await envOf().makeOther()).toEqual(["2\n"]);
});
