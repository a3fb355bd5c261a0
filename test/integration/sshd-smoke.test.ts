// Proves the sshd fixture is what the integration tests assume: every host
// accepts the test user by key (plain and encrypted) and by password, presents
// the host key listed in known_hosts, and sudo works only with the password.

import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { Client, type ConnectConfig } from "ssh2";
import { loadFixture, type Fixture, type FixtureHost } from "../fixture/sshd.ts";

const fixture: Fixture = loadFixture();

// The key blob known_hosts lists for "[address]:port", or undefined.
function knownKey(knownHosts: string, h: FixtureHost): Buffer | undefined {
  const name = `[${h.address}]:${h.port}`;
  for (const line of fs.readFileSync(knownHosts, "utf8").split("\n")) {
    const [names, type, blob] = line.trim().split(/\s+/);
    if (names?.split(",").includes(name) && type === "ssh-ed25519" && blob) return Buffer.from(blob, "base64");
  }
  return undefined;
}

type Auth = Pick<ConnectConfig, "privateKey" | "passphrase" | "password">;

const byKey = (): Auth => ({ privateKey: fs.readFileSync(fixture.clientKey) });

// Connects as the test user, accepting only the host key known_hosts lists for h.
function connect(h: FixtureHost, auth: Auth, knownHosts = fixture.knownHosts): Promise<Client> {
  const expected = knownKey(knownHosts, h);
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on("ready", () => resolve(client));
    client.on("error", reject);
    client.connect({
      host: h.address,
      port: h.port,
      username: fixture.username,
      ...auth,
      readyTimeout: 20_000,
      hostVerifier: (key: Buffer) => expected !== undefined && key.equals(expected),
    });
  });
}

interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

function exec(client: Client, command: string, stdin?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = "";
      let stderr = "";
      stream.on("data", (d: Buffer) => (stdout += d.toString()));
      stream.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      stream.on("close", (code: number | null) => resolve({ stdout, stderr, code }));
      if (stdin !== undefined) stream.write(stdin);
      stream.end();
    });
  });
}

// Runs fn against every host at once, closing each connection afterwards.
function onEveryHost(auth: () => Auth, fn: (c: Client, h: FixtureHost) => Promise<void>): Promise<void[]> {
  return Promise.all(
    fixture.hosts.map(async (h) => {
      const client = await connect(h, auth());
      try {
        await fn(client, h);
      } finally {
        client.end();
      }
    }),
  );
}

describe("the sshd fixture", () => {
  test("has several hosts on distinct loopback addresses", () => {
    expect(fixture.hosts.length).toBeGreaterThanOrEqual(2);
    const addresses = fixture.hosts.map((h) => h.address);
    expect(new Set(addresses).size).toBe(addresses.length);
    for (const a of addresses) expect(a).toMatch(/^127\.0\.0\.\d+$/);
  });

  test("every host accepts the client key and runs commands as the test user", async () => {
    await onEveryHost(byKey, async (c) => {
      expect(await exec(c, "id -un")).toEqual({ stdout: "deployer-test\n", stderr: "", code: 0 });
    });
  });

  test("a host whose key does not match known_hosts is rejected", async () => {
    const [first, second] = fixture.hosts as [FixtureHost, FixtureHost];
    const wrong = `${fixture.dir}/known_hosts.wrong`;
    // List the second host's key under the first host's name.
    fs.writeFileSync(wrong, `[${first.address}]:${first.port} ${second.hostPublicKey}\n`);
    try {
      await expect(connect(first, byKey(), wrong)).rejects.toThrow(/verification failed/i);
    } finally {
      fs.rmSync(wrong, { force: true });
    }
  });

  test("a host missing from known_hosts is rejected", async () => {
    const empty = `${fixture.dir}/known_hosts.empty`;
    fs.writeFileSync(empty, "");
    try {
      await expect(connect(fixture.hosts[0]!, byKey(), empty)).rejects.toThrow(/verification failed/i);
    } finally {
      fs.rmSync(empty, { force: true });
    }
  });

  test("every host accepts the test user's password", async () => {
    await onEveryHost(
      () => ({ password: fixture.password }),
      async (c) => {
        expect((await exec(c, "id -un")).stdout).toBe("deployer-test\n");
      },
    );
  });

  test("a wrong password is refused", async () => {
    await expect(connect(fixture.hosts[0]!, { password: "not-the-password" })).rejects.toThrow(
      /authentication methods failed/i,
    );
  });

  test("every host accepts the encrypted client key with its passphrase", async () => {
    const auth = () => ({
      privateKey: fs.readFileSync(fixture.clientKeyEncrypted),
      passphrase: fixture.clientKeyPassphrase,
    });
    await onEveryHost(auth, async (c) => {
      expect((await exec(c, "id -un")).stdout).toBe("deployer-test\n");
    });
  });

  test("sudo runs commands as root when given the password on stdin", async () => {
    await onEveryHost(byKey, async (c) => {
      const r = await exec(c, "sudo -S -p '' id -u", `${fixture.password}\n`);
      expect(r.stdout).toBe("0\n");
      expect(r.code).toBe(0);
    });
  });

  test("sudo without the password is refused", async () => {
    await onEveryHost(byKey, async (c) => {
      // -k: ignore any cached credentials, so only the sudoers rule decides.
      const r = await exec(c, "sudo -k -n true");
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/password is required/);
    });
  });

  test("many sessions on one connection and many connections at once work", async () => {
    const perHost = 16; // 3 hosts x 16 connections x 2 channels: ~50 connections, ~100 channels
    await Promise.all(
      fixture.hosts.flatMap((h) =>
        Array.from({ length: perHost }, async (_, i) => {
          const c = await connect(h, byKey());
          try {
            const [a, b] = await Promise.all([exec(c, `echo ${h.slug}-${i}`), exec(c, "id -un")]);
            expect(a.stdout).toBe(`${h.slug}-${i}\n`);
            expect(b.stdout).toBe("deployer-test\n");
          } finally {
            c.end();
          }
        }),
      ),
    );
  });
});
