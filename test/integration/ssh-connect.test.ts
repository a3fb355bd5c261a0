import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Server as SshServer } from "ssh2";
import { ActionException, ConnectionFailedException, DummyPty, Env, Node, SSHHost } from "../../engine/index.ts";
import { loadFixture, type FixtureHost } from "../fixture/sshd.ts";

const fixture = loadFixture();
const [h0, h1, h2] = fixture.hosts as [FixtureHost, FixtureHost, FixtureHost];

function hostClass(fields: Partial<SSHHost>): new () => SSHHost {
  return class extends SSHHost {
    constructor() {
      super();
      Object.assign(this, { slug: "target", configFilename: "", lookForKeys: false, knownHostsFilename: fixture.knownHosts, ...fields });
    }
  };
}

function envWith(fields: Partial<SSHHost>, pty = new DummyPty()) {
  return new Env(new (class extends Node { Hosts = { host: hostClass(fields) }; })(), { pty });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!error) throw new Error("expected a failure");
  return (error instanceof ActionException ? error.innerException : error) as Error;
}

function config(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "deployer-sshcfg-")), "config");
  writeFileSync(path, text);
  return path;
}

const logOf = (h: FixtureHost) => join(fixture.dir, `${h.slug}.log`);
const accepted = (h: FixtureHost) => (readFileSync(logOf(h), "utf8").match(/Accepted publickey/g) ?? []).length;

describe("~/.ssh/config", () => {
  test("HostName, Port, User and IdentityFile come from the config for the host's address", async () => {
    const path = config([
      `Host web-alias`,
      `  HostName ${h1.address}`,
      `  Port ${h1.port}`,
      `  User ${fixture.username}`,
      `  IdentityFile ${fixture.clientKey}`,
      `Host *`,
      `  User nobody-else`,
    ].join("\n"));
    const env = envWith({ address: "web-alias", configFilename: path });
    try {
      expect(await env.hosts.run("echo $(id -un) $(echo $SSH_CONNECTION | cut -d' ' -f3,4)", { interactive: false })).toEqual([`${fixture.username} ${h1.address} ${h1.port}\n`]);
    } finally {
      await Env.close(env);
    }
  });

  test("the host class's own fields win over the config, like ssh's command line", async () => {
    const path = config(`Host ${h1.address}\n  Port 1\n  User nobody-else\n  IdentityFile ${fixture.clientKey}\n`);
    const env = envWith({ address: h1.address, port: h1.port, username: fixture.username, configFilename: path });
    try {
      expect(await env.hosts.run("id -un", { interactive: false })).toEqual([`${fixture.username}\n`]);
    } finally {
      await Env.close(env);
    }
  });

  test("ProxyJump connects through another host", async () => {
    const path = config([
      `Host target-behind-jump`,
      `  HostName ${h2.address}`,
      `  Port ${h2.port}`,
      `  ProxyJump ${fixture.username}@${h0.address}:${h0.port}`,
      `Host *`,
      `  User ${fixture.username}`,
      `  IdentityFile ${fixture.clientKey}`,
    ].join("\n"));
    const before = accepted(h0);
    const env = envWith({ address: "target-behind-jump", configFilename: path });
    try {
      expect(await env.hosts.run("echo $SSH_CONNECTION | cut -d' ' -f3", { interactive: false })).toEqual([`${h2.address}\n`]);
      expect(accepted(h0)).toBe(before + 1); // the jump host saw one login: ours
    } finally {
      await Env.close(env);
    }
  });

  test("a failing jump host is named in the error", async () => {
    const path = config(`Host behind\n  HostName ${h2.address}\n  Port ${h2.port}\n  ProxyJump ${h0.address}:1\n  IdentityFile ${fixture.clientKey}\n  User ${fixture.username}\n`);
    const error = await failure(envWith({ address: "behind", configFilename: path }).hosts.run("true"));
    expect(error.message).toBe(`cannot connect to target: via jump host ${h0.address} (${h0.address}:1): connection refused by ${h0.address}:1`);
  });

  test("ConnectTimeout from the config bounds a server that never answers", async () => {
    const silent = await listen((socket) => socket.on("data", () => {}));
    const path = config(`Host ${"127.0.0.1"}\n  ConnectTimeout 1\n`);
    const error = await failure(envWith({ address: "127.0.0.1", port: port(silent), username: "x", password: "x", configFilename: path }).hosts.run("true"));
    expect(error).toBeInstanceOf(ConnectionFailedException);
    expect(error.message).toBe(`cannot connect to target: timed out after 1s connecting to 127.0.0.1:${port(silent)}`);
  });
});

describe("authentication", () => {
  test("the ssh-agent's keys are used when SSH_AUTH_SOCK is set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deployer-agent-"));
    const socket = join(dir, "agent.sock");
    const agent = spawnSync("ssh-agent", ["-a", socket], { encoding: "utf8" });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1]);
    const saved = process.env.SSH_AUTH_SOCK;
    try {
      expect(spawnSync("ssh-add", [fixture.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: socket } }).status).toBe(0);
      process.env.SSH_AUTH_SOCK = socket;
      const env = envWith({ address: h0.address, port: h0.port, username: fixture.username });
      try {
        expect(await env.hosts.run("id -un", { interactive: false })).toEqual([`${fixture.username}\n`]);
      } finally {
        await Env.close(env);
      }
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      if (pid) process.kill(pid);
    }
  });

  test("an encrypted key without its passphrase is reported as unusable, naming the file", async () => {
    const error = await failure(envWith({ address: h0.address, port: h0.port, username: fixture.username, keyFilename: fixture.clientKeyEncrypted }).hosts.run("true"));
    expect(error.message).toBe(`cannot connect to target: authentication failed for user "${fixture.username}" (tried publickey ${fixture.clientKeyEncrypted} (unusable: encrypted, and no passphrase was given))`);
  });

  test("a key file that does not exist is named", async () => {
    const error = await failure(envWith({ address: h0.address, port: h0.port, username: fixture.username, keyFilename: "/nonexistent/id_ed25519" }).hosts.run("true"));
    expect(error.message).toBe("cannot connect to target: cannot read key file /nonexistent/id_ed25519: no such file");
  });
});

describe("host keys on a terminal", () => {
  test.each([
    ["y", "trusts and records", true],
    ["n", "refuses", false],
  ] as const)("answering %s to the unknown-key question %s the key", async (answer, _what, trusted) => {
    const knownHosts = join(mkdtempSync(join(tmpdir(), "deployer-kh-")), "known_hosts");
    const pty = new DummyPty(`${answer}\n`, { interactive: true });
    const env = envWith({ address: h1.address, port: h1.port, username: fixture.username, keyFilename: fixture.clientKey, knownHostsFilename: knownHosts }, pty);
    try {
      const outcome = await env.hosts.run("echo in", { interactive: false }).then(() => "connected", (e: unknown) => (e as Error).message);
      expect(pty.getOutput()).toMatch(/can't be established\.\nED25519 key fingerprint is SHA256:[A-Za-z0-9+/]{43}\./);
      expect(outcome).toBe(trusted ? "connected" : `cannot connect to target: host key is unknown (not in ${knownHosts}); set acceptNewHostKeys or run with --accept-new-host-keys to trust it`);
      expect(existsSync(knownHosts)).toBe(trusted);
    } finally {
      await Env.close(env);
    }
  });
});

describe("lost connections", () => {
  test("a connection killed mid-command fails that command clearly, and the next command reconnects", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "deployer-lost-")), "pid");
    spawnSync("chmod", ["777", join(marker, "..")]);
    const env = envWith({ address: h2.address, port: h2.port, username: fixture.username, keyFilename: fixture.clientKey });
    try {
      const running = env.hosts.run(`echo $PPID > ${marker}; sleep 30`, { interactive: false });
      const sessionPid = await waitForNumber(marker);
      process.kill(sessionPid, "SIGKILL"); // the sshd process serving our connection
      const error = await failure(running);
      expect(error).toBeInstanceOf(ConnectionFailedException);
      expect(error.message).toBe("cannot connect to target: connection lost while running a command (it may still be running on target)");
      expect(await env.hosts.run("echo back", { interactive: false })).toEqual(["back\n"]);
    } finally {
      await Env.close(env);
    }
  });

  test("a server that refuses to open a channel is reported as such", async () => {
    const server = await refusingSshServer();
    try {
      const knownHosts = join(mkdtempSync(join(tmpdir(), "deployer-kh-")), "known_hosts");
      const error = await failure(envWith({ address: "127.0.0.1", port: server.port, username: "u", password: "p", knownHostsFilename: knownHosts, acceptNewHostKeys: true }).hosts.run("true"));
      expect(error.message).toMatch(/^cannot connect to target: cannot open a channel: /);
    } finally {
      server.close();
    }
  });
});

// Helpers

const servers: Server[] = [];
afterAll(() => { for (const server of servers) server.close(); });

function listen(onConnection: (socket: import("node:net").Socket) => void): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(onConnection);
    servers.push(server);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function port(server: Server): number {
  return (server.address() as import("node:net").AddressInfo).port;
}

async function waitForNumber(path: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(path)) {
      const value = Number(readFileSync(path, "utf8").trim());
      if (value > 0) return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} never got a pid`);
}

/** An in-process SSH server that authenticates anyone and refuses every session channel. */
async function refusingSshServer(): Promise<{ port: number; close(): void }> {
  // A host key OpenSSH made (ssh2's own generator sometimes writes keys its parser then rejects).
  const hostKey = readFileSync(fixture.hosts[0]!.hostKeyPath);
  const server = new SshServer({ hostKeys: [hostKey] }, (client) => {
    client.on("authentication", (ctx) => ctx.accept());
    client.on("session", (_accept, reject) => reject());
    client.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as import("node:net").AddressInfo).port, close: () => server.close() };
}
