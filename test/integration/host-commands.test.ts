import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActionException, DummyPty, Env, ExecCommandFailed, Host, LocalHost, Node, ParallelNode, SSHHost, arrayOf, child,
} from "../../engine/index.ts";
import { loadFixture, type FixtureHost } from "../fixture/sshd.ts";

const fixture = loadFixture();

function sshClass(h: FixtureHost, fields: Partial<SSHHost> = {}): new () => SSHHost {
  return class extends SSHHost {
    constructor() {
      super();
      Object.assign(this, {
        slug: h.slug, address: h.address, port: h.port, username: fixture.username,
        keyFilename: fixture.clientKey, knownHostsFilename: fixture.knownHosts, password: fixture.password, ...fields,
      });
    }
  };
}

class Local extends LocalHost { slug = "local"; }

/** A directory whose name needs quoting everywhere, on this machine (which the sshd hosts share). */
function hostileDir(): string {
  const parent = mkdtempSync(join(tmpdir(), "deployer-ctx-"));
  chmodSync(parent, 0o755); // the sshd hosts log in as the test user
  const dir = join(parent, `it's "a" $dir; \`x\` & more`);
  mkdirSync(join(dir, "sub dir"), { recursive: true });
  return dir;
}

const kinds: Array<[string, () => new () => Host]> = [
  ["a local host", () => Local],
  ["an SSH host", () => sshClass(fixture.hosts[0]!)],
];

describe.each(kinds)("contexts on %s", (_kind, hostClass) => {
  const envOf = () => new Env(new (class Root extends Node { Hosts = { host: hostClass() }; })(), { pty: new DummyPty() });

  test("a scoped cd applies to every command inside it, however the host is reached", async () => {
    const env = envOf();
    const dir = hostileDir();
    const host = env.hosts.at(0);
    try {
      const seen = await host.cd(dir, async () => [
        (await host.run("pwd", { interactive: false })).trim(),
        (await env.hosts.run("pwd", { interactive: false }))[0]!.trim(),
        (await env.hosts.filter("host").run("pwd", { interactive: false }))[0]!.trim(),
        await host.getcwd(),
      ]);
      expect(seen).toEqual([dir, dir, dir, dir]);
      expect((await host.run("pwd", { interactive: false })).trim()).not.toBe(dir);
    } finally {
      await Env.close(env);
    }
  });

  test("a derived handle carries its own context; nesting composes", async () => {
    const env = envOf();
    const dir = hostileDir();
    const host = env.hosts.at(0);
    try {
      expect((await host.cd(dir).run("pwd", { interactive: false })).trim()).toBe(dir);
      expect((await host.cd(dir).cd("sub dir").run("pwd", { interactive: false })).trim()).toBe(join(dir, "sub dir"));
      const nested = await host.cd(dir, () => host.cd("sub dir", () => host.env("GREETING", "it's $HOME", () =>
        host.prefix("export SUFFIX=!", () => host.run(`printf '%s|%s|%s' "$PWD" "$GREETING" "$SUFFIX"`, { interactive: false })))));
      expect(nested).toBe(`${join(dir, "sub dir")}|it's $HOME|!`);
      expect(await env.hosts.cd(dir).getcwd()).toEqual([dir]);
    } finally {
      await Env.close(env);
    }
  });

  test("env with escape off lets the shell expand the value", async () => {
    const env = envOf();
    try {
      const out = await env.hosts.at(0).env("WHO", "$(id -un)", { escape: false }, () => env.hosts.at(0).run(`echo "$WHO"`, { interactive: false }));
      expect(out.trim()).toBe((await env.hosts.at(0).run("id -un", { interactive: false })).trim());
    } finally {
      await Env.close(env);
    }
  });

  test("two concurrent blocks on the same host each keep their own directory", async () => {
    const env = envOf();
    const [a, b] = [hostileDir(), hostileDir()];
    const host = env.hosts.at(0);
    let arrived = 0;
    let release!: () => void;
    const both = new Promise<void>((resolve) => (release = resolve));
    const inside = async (dir: string) => host.cd(dir, async () => {
      if (++arrived === 2) release();
      await both; // both blocks are open at the same time here
      return (await host.run("pwd", { interactive: false })).trim();
    });
    try {
      expect(await Promise.all([inside(a), inside(b)])).toEqual([a, b]);
    } finally {
      await Env.close(env);
    }
  });

  test("sandbox checks the syntax and runs nothing", async () => {
    const env = envOf();
    const dir = hostileDir();
    const host = env.hosts.at(0);
    try {
      expect(await host.cd(dir).run("touch made-it", { sandbox: true, interactive: false })).toBe("<Not sure in sandbox>");
      expect(await host.cd(dir).run("ls", { interactive: false })).toBe("sub dir\n");
      await expect(host.run("if then fi (", { sandbox: true, interactive: false })).rejects.toBeInstanceOf(ExecCommandFailed);
      // A quiet command's error output is in the message, since nobody saw it.
      await expect(host.cd("/nonexistent-dir-xyz").run("true", { interactive: false })).rejects.toThrow(/failed with status code: 1 \(.*nonexistent-dir-xyz.*\)$/);
    } finally {
      await Env.close(env);
    }
  });

  test("ifconfig reads the host's interfaces; getIpAddress finds one by name", async () => {
    const env = envOf();
    try {
      const config = await env.hosts.at(0).ifconfig();
      expect(config.getInterface("lo").ip).toBe("127.0.0.1");
      expect(await env.hosts.at(0).getIpAddress("lo")).toBe("127.0.0.1");
      await expect(env.hosts.at(0).getIpAddress("no-such-if0")).rejects.toThrow("no-such-if0");
    } finally {
      await Env.close(env);
    }
  });

  test("initialInput reaches the command; ignoreExitStatus returns the output of a failure", async () => {
    const env = envOf();
    const host = env.hosts.at(0);
    try {
      expect(await host.run(`read -r line; echo "got:$line"`, { initialInput: "hello there\n", interactive: false })).toBe("got:hello there\n");
      expect(await host.run("echo partial; exit 9", { ignoreExitStatus: true, interactive: false })).toBe("partial\n");
    } finally {
      await Env.close(env);
    }
  });
});

describe("sudo over SSH", () => {
  const h = fixture.hosts[1]!;

  test("runs as another user with that user's home", async () => {
    const env = new Env(new (class extends Node { Hosts = { host: sshClass(h) }; })(), { pty: new DummyPty() });
    try {
      expect(await env.hosts.at(0).run("echo $(id -un) $HOME", { user: "root", interactive: false })).toBe("root /root\n");
      expect(await env.hosts.at(0).sudo("id -un", { user: "nobody", interactive: false })).toBe("nobody\n");
    } finally {
      await Env.close(env);
    }
  });

  test("exports inside a context survive sudo", async () => {
    const env = new Env(new (class extends Node { Hosts = { host: sshClass(h) }; })(), { pty: new DummyPty() });
    const host = env.hosts.at(0);
    try {
      expect(await host.env("DEPLOY_ENV", "prod's", () => host.sudo(`printf '%s' "$DEPLOY_ENV"`, { interactive: false }))).toBe("prod's");
    } finally {
      await Env.close(env);
    }
  });

  test("without a password on the host, it is asked once per host on the terminal, and never shown", async () => {
    const pty = new DummyPty(`${fixture.password}\n`, { interactive: true });
    const env = new Env(new (class extends Node { Hosts = { host: sshClass(h, { password: "" }) }; })(), { pty });
    try {
      expect(await env.hosts.sudo("id -u", { interactive: false })).toEqual(["0\n"]);
      // Sudo may cache its credentials; force a second prompt, which must be answered from memory.
      expect(await env.hosts.sudo("sudo -k; sudo -S -p '[:__enter-sudo-password__:]' id -u", { interactive: false })).toEqual(["0\n"]);
      expect(pty.getOutput()).toContain(`[sudo] password for ${fixture.username} on ${h.slug}`);
      expect(pty.getOutput().split(`[sudo] password for`).length - 1).toBe(1);
      expect(pty.getOutput()).not.toContain(fixture.password);
    } finally {
      await Env.close(env);
    }
  });

  test("without a password and without a terminal, the error says what to set", async () => {
    const env = new Env(new (class extends Node {
      Hosts = { host: sshClass(h, { password: "" }) };
      async go() { await this.hosts.sudo("id -u"); }
    })(), { pty: new DummyPty() });
    try {
      const error = await env.go().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ActionException);
      expect(((error as ActionException).innerException as Error).message).toBe(`sudo on ${h.slug} needs a password: set \`password\` on the host class (there is no terminal to ask on)`);
    } finally {
      await Env.close(env);
    }
  });
});

describe("sudo's prompt", () => {
  // A stand-in sudo on PATH that writes its prompt in two pieces with a pause between, as a slow
  // link or a busy machine may deliver it, then checks the password and runs the command.
  const fake = mkdtempSync(join(tmpdir(), "deployer-fake-sudo-"));
  writeFileSync(join(fake, "sudo"), `#!/bin/bash
[ "$1" = -S ] && [ "$2" = -p ] || { echo "unexpected: $*" >&2; exit 90; }
prompt=$3; shift 3
printf '%s' "before\${prompt:0:9}" >&2; sleep 0.3; printf '%s' "\${prompt:9}" >&2
IFS= read -r answer || exit 91
[ "$answer" = right-password ] || { echo "wrong password: $answer" >&2; exit 92; }
printf '[:__' >&2; sleep 0.2; printf 'not-a-prompt\n' >&2
exec "$@"
`, { mode: 0o755 });

  test("is found and answered when it arrives in pieces; output that only starts like it is kept", async () => {
    const path = process.env.PATH;
    process.env.PATH = `${fake}:${path}`;
    const env = new Env(new (class extends Node { Hosts = { host: class extends LocalHost { slug = "local"; password = "right-password"; } }; })(), { pty: new DummyPty() });
    try {
      const host = env.hosts.at(0);
      expect(await host.sudo("echo ran as sudo; echo err >&2; printf 'ends with [:'", { interactive: false })).toBe("ran as sudo\nends with [:");
    } finally {
      process.env.PATH = path;
      await Env.close(env);
    }
  });
});

describe("ParallelNode cells and containers over SSH", () => {
  test("this.host.cd inside a cell and container probes on every host keep host order", async () => {
    const dir = hostileDir();
    class Web extends ParallelNode {
      async where() {
        return await this.host.cd(dir, async () => `${this.host.slug}:${(await this.host.run("pwd", { interactive: false })).trim()}`);
      }
    }
    class Root extends Node {
      Hosts = { host: fixture.hosts.map((h) => sshClass(h)) };
      web = child(arrayOf(Web));
    }
    const env = new Env(new Root(), { pty: new DummyPty() });
    try {
      expect((await env.web.where()).values()).toEqual(fixture.hosts.map((h) => `${h.slug}:${dir}`));
      expect(await env.hosts.hasCommand("bash")).toEqual(fixture.hosts.map(() => true));
      expect(await env.hosts.hasCommand("no-such-command-xyz")).toEqual(fixture.hosts.map(() => false));
      expect(await env.hosts.cd(dir).getcwd()).toEqual(fixture.hosts.map(() => dir));
    } finally {
      await Env.close(env);
    }
  });
});
