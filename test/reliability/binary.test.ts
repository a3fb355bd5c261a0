// The compiled binary against OpenSSH (issue 10, point 6): what it negotiates (read from sshd's own
// debug log), and that it logs in with ed25519, ECDSA and RSA keys, to servers with those host keys,
// with OpenSSH's default algorithms and with each cipher alone. ssh2's native crypto addon does not
// load in the binary; its ciphers run on the runtime's own (BoringSSL) crypto, which lacks chacha20,
// so the binary brings a ChaCha20 of its own (engine/host/_chacha20.ts) for chacha20-poly1305, offered
// last: a server that allows only it works, with output and uploads checked byte for byte.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "../fixture/sshd.ts";
import { deployer, lines } from "../helpers/deployer.ts";
import { until } from "../helpers/wait.ts";

const fixture = loadFixture();
const address = fixture.hosts[0]!.address;
const HOME = `/home/${fixture.username}`;
let dir: string;
let authorizedKeys: string;
const keys: Record<string, string> = {};

function keygen(file: string, type: string, bits?: number): string {
  const size = bits ? ["-b", String(bits)] : [];
  expect(spawnSync("ssh-keygen", ["-q", "-t", type, ...size, "-N", "", "-C", "reliability", "-f", file]).status).toBe(0);
  return readFileSync(`${file}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deployer-binary-"));
  // Client keys of each type, authorized for the test user in a file of this test's own.
  const publicKeys = ["ed25519", "ecdsa", "rsa"].map((type) => {
    keys[type] = join(dir, `client_${type}`);
    return keygen(keys[type]!, type, type === "rsa" ? 3072 : undefined);
  });
  authorizedKeys = join(HOME, ".ssh", `authorized_keys.${dir.split("/").pop()}`);
  writeFileSync(authorizedKeys, `${publicKeys.join("\n")}\n`, { mode: 0o600 });
  const uid = Number(spawnSync("id", ["-u", fixture.username], { encoding: "utf8" }).stdout);
  chownSync(authorizedKeys, uid, uid);
  for (const type of ["ed25519", "ecdsa", "rsa"]) keygen(join(dir, `host_${type}`), type, type === "rsa" ? 3072 : undefined);
});

afterAll(() => {
  rmSync(authorizedKeys, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Connection {
  status: number | null;
  stdout: string;
  stderr: string;
  /** sshd's debug log of the one connection. */
  log: string;
  port: number;
}

/**
 * One connection of the binary (`run -- hello`, which runs `echo`) to a one-shot `sshd -d -d` with
 * the fixture's settings, `hostKey` of that type, and `extra` config lines; logs in with `clientKey`.
 */
async function connect(hostKey: string, clientKey: string, extra: string[] = [], action = "hello"): Promise<Connection> {
  const port = await freePort();
  const name = `${hostKey}-${clientKey}-${port}`;
  const config = join(dir, `${name}.config`);
  const log = join(dir, `${name}.log`);
  writeFileSync(config, [
    `ListenAddress ${address}:${port}`, `HostKey ${join(dir, `host_${hostKey}`)}`, `PidFile ${join(dir, `${name}.pid`)}`,
    `AllowUsers ${fixture.username}`, "PermitRootLogin no", "PasswordAuthentication no", "PubkeyAuthentication yes",
    "KbdInteractiveAuthentication no", `AuthorizedKeysFile ${authorizedKeys}`, "StrictModes yes", "UsePAM no", "UseDNS no",
    "PrintMotd no", "PrintLastLog no", "Subsystem sftp internal-sftp", "LogLevel DEBUG2", ...extra, "",
  ].join("\n"));
  const knownHosts = join(dir, `${name}.known_hosts`);
  writeFileSync(knownHosts, `[${address}]:${port} ${readFileSync(join(dir, `host_${hostKey}.pub`), "utf8").trim().split(/\s+/).slice(0, 2).join(" ")}\n`);
  writeFileSync(join(dir, "deploy.ts"), `import { Node, SSHHost } from "deployer";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
const sha = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
class Target extends SSHHost {
  slug = "target"; address = "${address}"; port = ${port}; username = "${fixture.username}";
  keyFilename = "${keys[clientKey]}"; knownHostsFilename = "${knownHosts}"; lookForKeys = false; configFilename = "";
}
export default class Root extends Node {
  Hosts = { host: Target };
  async hello() { return (await this.hosts.run("echo logged-in-as-$(whoami)", { interactive: false }))[0].trim(); }
  /** 1.3 MB down (a command's output) and 1 MiB up (a file), each compared with its SHA-256 on the host. */
  async volume() {
    const host = [...this.hosts][0]!;
    const output = await host.run("seq 1 200000", { interactive: false });
    const outputOnHost = (await host.run("seq 1 200000 | sha256sum", { interactive: false })).split(" ")[0];
    const data = randomBytes(1 << 20);
    writeFileSync("${join(dir, "upload.bin")}", data);
    await host.putFile("${join(dir, "upload.bin")}", "/tmp/deployer-binary-test-upload.bin");
    const uploadOnHost = (await host.run("sha256sum /tmp/deployer-binary-test-upload.bin; rm -f /tmp/deployer-binary-test-upload.bin", { interactive: false })).split(" ")[0];
    return \`down \${output.length} bytes \${sha(output) === outputOnHost ? "intact" : "CHANGED"}, up \${data.length} bytes \${sha(data) === uploadOnHost ? "intact" : "CHANGED"}\`;
  }
}
`);
  const sshd = spawn("/usr/sbin/sshd", ["-d", "-d", "-f", config, "-E", log], { stdio: "ignore" });
  try {
    await until(() => existsSync(log) && readFileSync(log, "utf8").includes("Server listening on"), "the debug sshd to listen");
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", action], { cwd: dir, env: { ...process.env, NO_COLOR: "1", SSH_AUTH_SOCK: "" } });
    // The one-connection sshd exits once the connection closes.
    await until(() => sshd.exitCode !== null || sshd.signalCode !== null, "the debug sshd to finish");
    return { ...result, log: readFileSync(log, "utf8"), port };
  } finally {
    sshd.kill("SIGKILL");
  }
}

/** What sshd's debug log says was chosen and offered. */
function negotiated(log: string) {
  const find = (re: RegExp) => re.exec(log)?.[1];
  const client = log.slice(log.indexOf("peer client KEXINIT proposal"));
  return {
    kex: find(/kex: algorithm: (\S+)/),
    hostKey: find(/kex: host key algorithm: (\S+)/),
    cipherOut: find(/kex: client->server cipher: (\S+)/),
    cipherIn: find(/kex: server->client cipher: (\S+)/),
    mac: find(/kex: client->server cipher: \S+ MAC: (\S+)/),
    offeredCiphers: (/ciphers ctos: (\S+)/.exec(client)?.[1] ?? "").split(","),
    offeredKex: (/KEX algorithms: (\S+)/.exec(client)?.[1] ?? "").split(","),
    accepted: find(/(Accepted publickey for \S+ from \S+ port \d+ ssh2: .*)/),
  };
}

describe("the binary against OpenSSH's defaults", () => {
  test("it negotiates curve25519, ed25519 and AES-GCM, offers chacha20-poly1305 last, and no CBC, RC4 or 3DES", async () => {
    const c = await connect("ed25519", "ed25519");
    expect(c.stderr).toBe("");
    expect(lines(c.stdout).at(-1)).toBe(`logged-in-as-${fixture.username}`);
    const n = negotiated(c.log);
    expect(n.kex).toMatch(/^curve25519-sha256(@libssh\.org)?$/);
    expect(n.hostKey).toBe("ssh-ed25519");
    expect(n.cipherOut).toBe("aes128-gcm@openssh.com");
    expect(n.cipherIn).toBe("aes128-gcm@openssh.com");
    expect(n.mac).toBe("<implicit>"); // an AEAD cipher: no separate MAC
    expect(n.offeredCiphers[0]).toBe("aes128-gcm@openssh.com");
    expect(n.offeredCiphers).toContain("aes256-gcm@openssh.com");
    expect(n.offeredCiphers.at(-1)).toBe("chacha20-poly1305@openssh.com");
    for (const weak of n.offeredCiphers) expect(weak).not.toMatch(/cbc|arcfour|3des|blowfish|cast/);
    expect(n.offeredKex).not.toContain("diffie-hellman-group1-sha1");
    expect(n.accepted).toMatch(/ssh2: ED25519 SHA256:/);
  }, 60_000);
});

describe("keys of every common type", () => {
  test("an ECDSA host key and an ECDSA client key", async () => {
    const c = await connect("ecdsa", "ecdsa");
    expect(lines(c.stdout).at(-1)).toBe(`logged-in-as-${fixture.username}`);
    const n = negotiated(c.log);
    expect(n.hostKey).toBe("ecdsa-sha2-nistp256");
    expect(n.accepted).toMatch(/ssh2: ECDSA SHA256:/);
  }, 60_000);

  test("an RSA host key and an RSA client key, signed with SHA-2 (not ssh-rsa's SHA-1)", async () => {
    const c = await connect("rsa", "rsa");
    expect(lines(c.stdout).at(-1)).toBe(`logged-in-as-${fixture.username}`);
    const n = negotiated(c.log);
    expect(n.hostKey).toMatch(/^rsa-sha2-(256|512)$/);
    expect(n.accepted).toMatch(/ssh2: RSA SHA256:/);
    expect(c.log).toMatch(/userauth_pubkey: .*pkalg rsa-sha2-(256|512)/);
  }, 60_000);

  test("mixed: an ed25519 host key with an RSA client key", async () => {
    const c = await connect("ed25519", "rsa");
    expect(lines(c.stdout).at(-1)).toBe(`logged-in-as-${fixture.username}`);
    expect(negotiated(c.log).accepted).toMatch(/ssh2: RSA SHA256:/);
  }, 60_000);
});

describe("servers that allow only some ciphers", () => {
  test("only aes256-gcm: it is used", async () => {
    const c = await connect("ed25519", "ed25519", ["Ciphers aes256-gcm@openssh.com"]);
    expect(lines(c.stdout).at(-1)).toBe(`logged-in-as-${fixture.username}`);
    expect(negotiated(c.log).cipherOut).toBe("aes256-gcm@openssh.com");
  }, 60_000);

  test("only aes256-ctr (with an encrypt-then-MAC): it is used", async () => {
    const c = await connect("ed25519", "ed25519", ["Ciphers aes256-ctr", "MACs hmac-sha2-256-etm@openssh.com"]);
    expect(lines(c.stdout).at(-1)).toBe(`logged-in-as-${fixture.username}`);
    const n = negotiated(c.log);
    expect(n.cipherOut).toBe("aes256-ctr");
    expect(n.mac).toBe("hmac-sha2-256-etm@openssh.com");
  }, 60_000);

  test("only chacha20-poly1305: it is used, and a command's output and an upload arrive intact", async () => {
    const c = await connect("ed25519", "ed25519", ["Ciphers chacha20-poly1305@openssh.com"], "volume");
    expect(c.stderr).toBe("");
    expect(lines(c.stdout).at(-1)).toBe(`down 1288895 bytes intact, up 1048576 bytes intact`);
    const n = negotiated(c.log);
    expect(n.cipherOut).toBe("chacha20-poly1305@openssh.com");
    expect(n.cipherIn).toBe("chacha20-poly1305@openssh.com");
  }, 60_000);

  test("a server with no cipher in common: refused in one line naming what deployer offers", async () => {
    const c = await connect("ed25519", "ed25519", ["Ciphers aes128-cbc"]);
    expect(c.status).toBe(1);
    expect(c.stdout).not.toContain(`logged-in-as-${fixture.username}`);
    const [first, ...rest] = lines(c.stderr);
    expect(first).toEndWith(`Root.hello failed: cannot connect to target: no cipher in common with ${address}:${c.port} (deployer offers aes128-gcm@openssh.com, aes256-gcm@openssh.com, aes128-ctr, aes192-ctr, aes256-ctr, chacha20-poly1305@openssh.com)`);
    for (const line of rest) expect(line).toMatch(/^  at /);
  }, 60_000);
});
