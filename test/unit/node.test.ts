import { describe, expect, test } from "bun:test";
import {
  ActionException, child, DummyPty, Env, ExecCommandFailed, Inspector, LocalHost, Node,
} from "../../engine/index.ts";

class Alpha extends LocalHost { slug = "alpha"; }
class Beta extends LocalHost { slug = "beta"; }

class Git extends Node {
  projectDirectory = "~/app";
  async where() {
    return `${this.projectDirectory} on ${this.hosts.length} hosts`;
  }
}

class Web extends Node {
  Hosts = { web: [Alpha, Beta] };
  git = child(Git);
  async hostnames() {
    return await this.hosts.run("echo $((6 * 7))", { interactive: false });
  }
  async fail() {
    await this.hosts.filter("web").at(0).run("exit 3", { interactive: false });
  }
  async outer() {
    await this.fail();
  }
  get label() {
    return `web with ${this.hosts.roles.join(",")}`;
  }
}

class Root extends Node {
  web = child(Web);
  web__git__projectDirectory = "~/prod";
  web__git__where() {
    return "overridden";
  }
}

const envOf = <T extends Node>(node: T) => new Env(node, { pty: new DummyPty() });

describe("nodes and Envs", () => {
  test("a bare node exposes children as node instances, the same one on every read", () => {
    const root = new Root();
    expect(root.web).toBeInstanceOf(Web);
    expect(root.web).toBe(root.web);
    expect(root.web.git).toBeInstanceOf(Git);
  });

  test("calling an action on a bare node says to wrap it in an Env", () => {
    expect(() => new Root().web.hostnames()).toThrow("wrap it in an Env");
  });

  test("an Env is an instance of its node's class and of Env; it is never mistaken for a Promise", () => {
    const env = envOf(new Root());
    expect(env instanceof Root).toBe(true);
    expect(env instanceof Env).toBe(true);
    expect(new Root() instanceof Env).toBe(false);
    expect((env as unknown as { then: unknown }).then).toBeUndefined();
  });

  test("actions run on every host of the node and return their outputs in host order", async () => {
    const env = envOf(new Root());
    expect(await env.web.hostnames()).toEqual(["42\n", "42\n"]);
  });

  test("children inherit their parent's hosts; getters are evaluated on the Env", async () => {
    const env = envOf(new Root());
    expect(env.web.label).toBe("web with web");
    expect(new Inspector(env.web.git).getPath()).toEqual(["Root", "web", "git"]);
  });

  test("double-underscore fields and methods override nested members", async () => {
    const env = envOf(new Root());
    expect(env.web.git.projectDirectory).toBe("~/prod");
    expect(await env.web.git.where()).toBe("overridden");
    expect(new Root().web.git.projectDirectory).toBe("~/prod");
  });

  test("an override of an unknown child is an error naming the member", () => {
    class Broken extends Node {
      web = Web;
      web__gti__projectDirectory = "typo";
    }
    expect(() => envOf(new Broken())).toThrow(`"web__gti__projectDirectory" overrides a member of "gti", but Web has no child node "gti"`);
  });

  test("a failing command leaves the action as one ActionException holding ExecCommandFailed", async () => {
    const env = envOf(new Root());
    const error = await env.web.outer().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ActionException);
    const inner = (error as ActionException).innerException;
    expect(inner).toBeInstanceOf(ExecCommandFailed);
    expect((inner as ExecCommandFailed).result).toMatchObject({ host: "alpha", command: "exit 3", exitCode: 3 });
    expect((error as ActionException).action).toBe("Root.web.fail");
  });

  test("the default logger shows each command with its host", async () => {
    const pty = new DummyPty();
    const { DefaultLogger, LoggerInterface } = await import("../../engine/index.ts");
    const env = new Env(new Root(), { pty, logger: new LoggerInterface([new DefaultLogger(pty.stdout)]) });
    await env.web.hostnames();
    expect(pty.getOutput()).toContain("alpha echo $((6 * 7))");
    expect(pty.getOutput()).toContain("beta echo $((6 * 7))");
  });
});

describe("Inspector", () => {
  test("lists children and actions", () => {
    const inspector = new Inspector(new Root().web);
    expect(inspector.getChildnodes().map((n) => new Inspector(n).getName())).toEqual(["git"]);
    expect(inspector.getActionNames()).toEqual(["fail", "hostnames", "outer"]);
    expect(inspector.hasAction("label")).toBe(false);
    expect(new Inspector(new Root()).getName()).toBe("Root");
  });
});
