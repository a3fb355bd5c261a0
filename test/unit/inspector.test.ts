import { describe, expect, test } from "bun:test";
import {
  ActionException, DummyPty, Env, Inspector, LocalHost, Node, ParallelNode, RequiredPropertyMissing,
  child, iterIsolations, mapRoles, requiredProperty,
} from "../../engine/index.ts";
import { HasAction, IsInstance, PrivateOnly, PublicOnly } from "../../engine/node/_filters.ts";

class H1 extends LocalHost { slug = "h1"; }
class H2 extends LocalHost { slug = "h2"; }

class Git extends Node {
  repository = requiredProperty<string>("the git URL to clone");
  branch = "main";
  async clone() {
    return `clone ${this.repository}#${this.branch}`;
  }
  get describe() {
    return `${this.branch} branch`;
  }
}

class Worker extends ParallelNode {
  async ping() { return "pong"; }
}

class App extends Node {
  git = child(Git);
  _secret = child(class extends Node { async hidden() {} });
  workers = child(mapRoles("web")(Worker.Array));
  async default() { return "deployed"; }
  async status() { return "ok"; }
  async _internal() {}
}

class Root extends Node {
  Hosts = { web: [H1, H2] };
  app = child(App);
  app__git__repository = "git@example.com:app.git";
  bare = child(class Bare extends Node { git = child(Git); });
}

describe("Inspector", () => {
  const root = new Root();
  const app = new Inspector(root.app);

  test("lists children in declaration order, private ones on request", () => {
    expect(app.getChildnodes().map((n) => new Inspector(n).getName())).toEqual(["git", "_secret", "workers"]);
    expect(app.getChildnodes({ includePrivate: false }).map((n) => new Inspector(n).getName())).toEqual(["git", "workers"]);
    expect(app.hasChildnode("git")).toBe(true);
    expect(app.hasChildnode("status")).toBe(false);
    expect(() => app.getChildnode("nope")).toThrow(`Root.app has no child node "nope"`);
  });

  test("lists actions sorted, private ones on request; properties separately", () => {
    expect(app.getActionNames()).toEqual(["_internal", "default", "status"]);
    expect(app.getActions({ includePrivate: false }).map((a) => a.name)).toEqual(["default", "status"]);
    expect(new Inspector(root.app.git).getProperties()).toEqual(["describe"]);
    expect(app.isCallable()).toBe(true);
    expect(new Inspector(root.app.git).isCallable()).toBe(false);
  });

  test("names and paths", () => {
    const git = new Inspector(root.app.git);
    expect(git.getPath()).toEqual(["Root", "app", "git"]);
    expect(git.getFullName()).toBe("Root.app.git");
    expect(git.getPath("NODE_ONLY").map((n) => (n as Node).constructor.name)).toEqual(["Root", "App", "Git"]);
    expect((git.getPath("NODE_AND_NAME") as unknown as Array<[Node, string]>).map(([, name]) => name)).toEqual(["Root", "app", "git"]);
    expect(git.getRoot()).toBe(root);
    expect(git.getParent()).toBe(root.app);
    expect(new Inspector(root).getParent()).toBeUndefined();
    expect(String(git)).toBe("Inspector(node=Root.app.git)");
  });

  test("an Inspector over an Env returns Envs and can call actions", async () => {
    const env = new Env(new Root(), { pty: new DummyPty() });
    const inspector = new Inspector(env.app);
    expect(inspector.getChildnode("git") instanceof Env).toBe(true);
    expect(await inspector.getAction("default").call()).toBe("deployed");
    expect(() => new Inspector(new Root().app).getAction("status").call()).toThrow("inspect an Env instead");
  });

  test("isolations can be listed with each identifier type", () => {
    const workers = new Inspector(root.app.workers);
    expect(workers.isIsolated()).toBe(false);
    expect(workers.iterIsolations().map(([id]) => id)).toEqual([[0], [1]]);
    expect(workers.iterIsolations("HOSTS_SLUG").map(([id]) => id)).toEqual([["h1"], ["h2"]]);
    expect(workers.iterIsolations("HOST_TUPLES").map(([id]) => id)).toEqual([[H1], [H2]]);
    expect(iterIsolations(root.app.workers, "HOSTS_SLUG").map(([id]) => id)).toEqual([["h1"], ["h2"]]);
    const cell = new Inspector(workers.getIsolation("h2"));
    expect(cell.isIsolated()).toBe(true);
    expect(cell.getIsolationIdentifier()).toBe("h2");
    expect(cell.getPath()).toEqual(["Root", "app", "workers[h2]"]);
  });

  test("walk visits every node breadth-first, filtered", () => {
    const names = (filter?: Parameters<Inspector["walk"]>[0]) => [...new Inspector(root).walk(filter)].map((n) => new Inspector(n).getFullName());
    expect(names()).toEqual(["Root", "Root.app", "Root.bare", "Root.app.git", "Root.app._secret", "Root.app.workers", "Root.bare.git"]);
    expect(names(new IsInstance(Git))).toEqual(["Root.app.git", "Root.bare.git"]);
    expect(names(new HasAction("status").or(new HasAction("hidden")))).toEqual(["Root.app", "Root.app._secret"]);
    expect(names(PrivateOnly)).toEqual(["Root.app._secret"]);
    expect(names(PublicOnly.and(new HasAction("ping")))).toEqual(["Root.app.workers"]);
    expect(names(new IsInstance(Git).not().and(PublicOnly))).toEqual(["Root", "Root.app", "Root.bare", "Root.app.workers"]);
    expect(new Inspector(root).walk().length).toBe(7);
    expect(String(new IsInstance(Git).and(PublicOnly.not()))).toBe("IsInstance(Git) & ~ PublicOnly");
  });

  test("walk can call an action on every isolation of the nodes it finds", async () => {
    const env = new Env(new Root(), { pty: new DummyPty() });
    const results: unknown[] = [];
    for await (const result of new Inspector(env).walk(new HasAction("ping")).callAction("ping")) results.push(result);
    expect(results).toEqual(["pong", "pong"]);
  });

  test("refuses anything that is not a node", () => {
    expect(() => new Inspector({} as Node)).toThrow("Inspector needs a Node or an Env");
  });
});

describe("requiredProperty", () => {
  test("a filled-in required property reads as its value", async () => {
    const env = new Env(new Root(), { pty: new DummyPty() });
    expect(await env.app.git.clone()).toBe("clone git@example.com:app.git#main");
  });

  test("reading one that was never set names the node, the property and its description", async () => {
    const env = new Env(new Root(), { pty: new DummyPty() });
    expect(() => env.bare.git.repository).toThrow(`required property "repository" of Root.bare.git is not set: the git URL to clone`);
    const error = await env.bare.git.clone().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ActionException);
    expect((error as ActionException).innerException).toBeInstanceOf(RequiredPropertyMissing);
  });

  test("the Inspector lists it as a property", () => {
    expect(new Inspector(new Root().bare.git).getProperties()).toEqual(["describe", "repository"]);
  });
});

describe("groups on nodes", () => {
  test("a group set on a class or on a child field is inherited down the tree; InGroup finds it", async () => {
    const { Production, Staging, Group, production, staging, InGroup } = await import("../../engine/index.ts");
    @staging
    class Stage extends Node { app = child(App); }
    class Tree extends Node {
      @production
      prod = child(App);
      stage = child(Stage);
      plain = child(App);
    }
    const tree = new Tree();
    expect(new Inspector(tree.prod).getGroup()).toBe(Production);
    expect(new Inspector(tree.prod.git).getGroup()).toBe(Production);
    expect(new Inspector(tree.stage.app).getGroup()).toBe(Staging);
    expect(new Inspector(tree.plain).getGroup()).toBe(Group);
    expect(new Inspector(new Tree().plain).getGroup()).toBe(Group); // the field decorator did not touch App
    const inProduction = [...new Inspector(tree).walk(new InGroup(Production))].map((n) => new Inspector(n).getFullName());
    expect(inProduction).toEqual(["Tree.prod", "Tree.prod.git", "Tree.prod._secret", "Tree.prod.workers"]);
  });
});
