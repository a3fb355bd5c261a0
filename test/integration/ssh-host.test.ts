import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActionException, ConnectionFailedException, DummyPty, Env, ExecCommandFailed, HostsFailed, Node, SSHHost,
} from "../../engine/index.ts";
import { loadFixture, type FixtureHost } from "../fixture/sshd.ts";
import { deployer, lines } from "../helpers/deployer.ts";

const fixture = loadFixture();

/** An SSHHost class for fixture host `h`, logging in with the client key unless told otherwise. */
function hostClass(h: FixtureHost, fields: Partial<SSHHost> = {}): new () => SSHHost {
  return class extends SSHHost {
    constructor() {
      super();
      Object.assign(this, {
        slug: h.slug,
        address: h.address,
        port: h.port,
        username: fixture.username,
        keyFilename: fixture.clientKey,
        knownHostsFilename: fixture.knownHosts,
        password: fixture.password,
        ...fields,
      });
    }
  };
}

/** A root node over `hosts` with a few actions, wrapped in an Env that captures output. */
function envOver(hosts: Array<new () => SSHHost>) {
  class Root extends Node {
    Hosts = { host: hosts };
    async run(command: string) {
      return await this.hosts.run(command, { interactive: false });
    }
    async sudo(command: string) {
      return await this.hosts.sudo(command, { interactive: false });
    }
  }
  return new Env(new Root(), { pty: new DummyPty() });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => { throw new Error("expected a failure"); }, (error: unknown) => error);
}

/** The cause inside an ActionException (or the error itself). */
function cause(error: unknown): unknown {
  return error instanceof ActionException ? error.innerException : error;
}

describe("SSHHost against real sshd", () => {
  test("runs on every fixture host at once, results in host order", async () => {
    const env = envOver(fixture.hosts.map((h) => hostClass(h)));
    try {
      const outputs = await env.run("echo $(id -un) ${SSH_CONNECTION##* }");
      expect(outputs).toEqual(fixture.hosts.map((h) => `${fixture.username} ${h.port}\n`));
      const servers = await env.run("echo $SSH_CONNECTION | cut -d' ' -f3");
      expect(servers).toEqual(fixture.hosts.map((h) => `${h.address}\n`));
    } finally {
      await Env.close(env);
    }
  });

  test("one connection per host is reused by every command", async () => {
    const env = envOver([hostClass(fixture.hosts[0]!)]);
    try {
      const ports = new Set<string>();
      for (let i = 0; i < 4; i++) ports.add((await env.run("echo $SSH_CONNECTION | cut -d' ' -f2"))[0]!);
      expect(ports.size).toBe(1);
    } finally {
      await Env.close(env);
    }
  });

  test.each([
    ["a password", { keyFilename: undefined }],
    ["a key file with its passphrase", { keyFilename: fixture.clientKeyEncrypted, rsaKeyPassword: fixture.clientKeyPassphrase, password: "" }],
    ["a key held in memory", { keyFilename: undefined, rsaKey: readFileSync(fixture.clientKey, "utf8"), password: "" }],
  ] as const)("logs in with %s", async (_name, fields) => {
    const env = envOver([hostClass(fixture.hosts[1]!, fields)]);
    try {
      expect(await env.run("id -un")).toEqual([`${fixture.username}\n`]);
    } finally {
      await Env.close(env);
    }
  });

  test("a non-zero exit raises ExecCommandFailed with host, command, status and output", async () => {
    const env = envOver([hostClass(fixture.hosts[0]!)]);
    try {
      const error = cause(await rejection(env.run("echo partial; exit 4")));
      expect(error).toBeInstanceOf(ExecCommandFailed);
      expect((error as ExecCommandFailed).result).toMatchObject({ host: "sshd0", command: "echo partial; exit 4", exitCode: 4, output: "partial\n" });
    } finally {
      await Env.close(env);
    }
  });

  test("one failing host does not hide the others' results", async () => {
    const [a, b] = fixture.hosts;
    const env = envOver([hostClass(a!), hostClass(b!)]);
    try {
      const error = cause(await rejection(env.run(`test "$(echo $SSH_CONNECTION | cut -d' ' -f3)" = ${a!.address} && echo ok`)));
      expect(error).toBeInstanceOf(HostsFailed);
      const outcomes = (error as HostsFailed).outcomes;
      expect(outcomes.map((o) => o.host)).toEqual(["sshd0", "sshd1"]);
      expect(outcomes[0]).toMatchObject({ ok: true, value: "ok\n" });
      expect(outcomes[1]!.ok).toBe(false);
    } finally {
      await Env.close(env);
    }
  });

  test("sudo answers the password prompt without showing it", async () => {
    const pty = new DummyPty();
    class Root extends Node {
      Hosts = { host: hostClass(fixture.hosts[2]!) };
      async whoami() { return await this.hosts.sudo("id -u"); }
    }
    const env = new Env(new Root(), { pty });
    try {
      expect(await env.whoami()).toEqual(["0\n"]);
      expect(pty.getOutput()).not.toContain(fixture.password);
      expect(pty.getOutput()).not.toContain("__enter-sudo-password__");
    } finally {
      await Env.close(env);
    }
  });

  test("sudo with a wrong password fails with a clear error instead of hanging", async () => {
    const env = envOver([hostClass(fixture.hosts[2]!, { password: "wrong-password" })]);
    try {
      const error = cause(await rejection(env.sudo("id -u")));
      expect((error as Error).message).toBe("sudo on sshd2 refused the password");
    } finally {
      await Env.close(env);
    }
  });
});

describe("SSH failures name the host and the cause", () => {
  test("a wrong password", async () => {
    const env = envOver([hostClass(fixture.hosts[0]!, { keyFilename: undefined, password: "not-it" })]);
    const error = cause(await rejection(env.run("true")));
    expect(error).toBeInstanceOf(ConnectionFailedException);
    expect((error as Error).message).toBe(`cannot connect to sshd0: authentication failed for user "${fixture.username}" (tried password)`);
  });

  test("a refused connection", async () => {
    const h = fixture.hosts[0]!;
    const env = envOver([hostClass(h, { port: 1 })]);
    const error = cause(await rejection(env.run("true")));
    expect((error as Error).message).toBe(`cannot connect to sshd0: connection refused by ${h.address}:1`);
  });

  test("an unknown host key is refused, and recorded when acceptNewHostKeys is set", async () => {
    const knownHosts = join(mkdtempSync(join(tmpdir(), "deployer-kh-")), "known_hosts");
    const refused = envOver([hostClass(fixture.hosts[1]!, { knownHostsFilename: knownHosts })]);
    const error = cause(await rejection(refused.run("true")));
    expect((error as Error).message).toMatch(/^cannot connect to sshd1: host key is unknown \(not in .*known_hosts\); set acceptNewHostKeys/);

    const accepted = envOver([hostClass(fixture.hosts[1]!, { knownHostsFilename: knownHosts, acceptNewHostKeys: true })]);
    try {
      expect(await accepted.run("echo in")).toEqual(["in\n"]);
    } finally {
      await Env.close(accepted);
    }
    const [type, blob] = fixture.hosts[1]!.hostPublicKey.split(" ");
    expect(readFileSync(knownHosts, "utf8")).toBe(`[${fixture.hosts[1]!.address}]:${fixture.hosts[1]!.port} ${type} ${blob}\n`);
  });

  test("a changed host key is always refused, naming the file and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deployer-kh-"));
    const knownHosts = join(dir, "known_hosts");
    copyFileSync(fixture.knownHosts, knownHosts);
    const h = fixture.hosts[0]!;
    const other = fixture.hosts[1]!;
    // Claim host 0 has host 1's key, on the first line.
    writeFileSync(knownHosts, `[${h.address}]:${h.port} ${other.hostPublicKey}\n`);
    const env = envOver([hostClass(h, { knownHostsFilename: knownHosts, acceptNewHostKeys: true })]);
    const error = cause(await rejection(env.run("true")));
    expect((error as Error).message).toBe(`cannot connect to sshd0: host key has CHANGED (it does not match ${knownHosts}:1); refusing to connect`);
  });
});

test("the hello example says hello over SSH from the binary", () => {
  const h = fixture.hosts[0]!;
  const run = deployer(["run", "examples/hello.ts", "--non-interactive", "--", "remote_hello", "hello"], {
    env: {
      ...process.env,
      HELLO_SSH_HOST: h.address,
      HELLO_SSH_PORT: String(h.port),
      HELLO_SSH_USER: fixture.username,
      HELLO_SSH_KEY: fixture.clientKey,
      HELLO_SSH_KNOWN_HOSTS: fixture.knownHosts,
    },
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(lines(run.stdout)).toEqual(["             my-host echo hello world", "hello world"]);
});
