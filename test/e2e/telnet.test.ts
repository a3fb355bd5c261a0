// telnet-server: the shell over telnet, driven by a scripted client and by Debian's telnet.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnPty } from "../../engine/host/_pty.ts";
import { loadFixture } from "../fixture/sshd.ts";
import { BINARY } from "../helpers/deployer.ts";
import { stripEscapes, telnetClient } from "../helpers/telnet-client.ts";
import { until } from "../helpers/wait.ts";

const DEPLOY = `import { Node, LocalHost } from "deployer";
export default class Root extends Node {
  Hosts = { host: [LocalHost] };
  state = { count: 0 };
  async count() { this.state.count++; return \`count is \${this.state.count}\`; }
  async size() { await this.hosts.run("stty size"); }
  async nap() { await this.hosts.run("sleep 26.123", { interactive: false }); }
}
`;

/** Another user of this machine: the one the sshd fixture logs in as (test/run.ts creates it). */
const FIXTURE_USER = loadFixture().username;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deployer-telnet-"));
  writeFileSync(join(dir, "deploy.ts"), DEPLOY);
});

/** A telnet server on a free port; resolves once it listens. */
async function serve(extra: string[] = []) {
  const proc = Bun.spawn([BINARY, "telnet-server", "deploy.ts", "--port", "0", ...extra], {
    cwd: dir, env: { ...process.env, XDG_STATE_HOME: join(dir, "state") }, stdout: "pipe", stderr: "pipe",
  });
  let log = "";
  void (async () => { for await (const chunk of proc.stdout) log += new TextDecoder().decode(chunk); })();
  await until(() => /listening on \S+:\d+/.test(log), "the telnet server to listen");
  const [, address, port] = /listening on (\S+):(\d+)/.exec(log)!;
  return { address: address!, port: Number(port), log: () => log, stop: async () => { proc.kill("SIGTERM"); return await proc.exited; } };
}

describe("telnet-server", () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => { server = await serve(); });
  afterAll(async () => { await server?.stop(); });

  test("binds to 127.0.0.1 by default, without a warning", () => {
    expect(server.address).toBe("127.0.0.1");
    expect(server.log()).not.toContain("unencrypted");
  });

  test("sessions share one node tree; w lists them and what each runs", async () => {
    const a = await telnetClient({ port: server.port });
    const b = await telnetClient({ port: server.port });
    await a.waitFor("Root > ");
    await b.waitFor("Root > ");
    a.send("count\r");
    await a.waitFor("count is 1");
    b.send("count\r");
    await b.waitFor("count is 2");
    a.send("nap\r");
    await a.waitFor("sleep 26.123");
    b.send("w\r");
    await b.waitFor(/Username\s+What/);
    await b.waitFor(/somebody\s+Root\.nap/);
    await b.waitFor(/somebody\s+\(idle\)/);
    a.send("\x03");
    await a.waitFor("Interrupted");
    a.close();
    b.send("exit\r");
    await b.waitForClose();
  }, 30_000);

  test("the window size comes from NAWS, and follows a resize", async () => {
    const c = await telnetClient({ port: server.port, cols: 91, rows: 27 });
    await c.waitFor("Root > ");
    c.send("size\r");
    await c.waitFor("27 91");
    // The next command only once this one is over (its prompt is back).
    await c.waitFor("Root > ");
    c.resize(120, 33);
    c.send("size\r");
    await c.waitFor("33 120");
    c.close();
  }, 30_000);

  test("Debian's telnet client gets a working shell with echo", async () => {
    let screen = "";
    const proc = await spawnPty({
      file: "telnet", args: ["127.0.0.1", String(server.port)], cols: 100, rows: 30, cwd: dir,
      env: { ...process.env } as Record<string, string>,
      onData: (chunk) => { screen = stripEscapes(screen + Buffer.from(chunk).toString()); },
    });
    await until(() => screen.includes("Root > "), "the prompt in telnet");
    proc.write("cou");
    await until(() => screen.includes("Root > cou"), "the typed keys echoed");
    proc.write("nt\r");
    await until(() => /count is \d+/.test(screen), "the action's answer");
    proc.write("exit\r");
    await until(() => screen.includes("Connection closed by foreign host"), "telnet to end");
    await proc.exited;
  }, 30_000);
});

test("a password file: wrong passwords are refused, the right one shows user@ in the prompt", async () => {
  const file = join(dir, "passwd");
  const setup = Bun.spawnSync([BINARY, "telnet-passwd", file, "alice"], { cwd: dir, stdin: Buffer.from("s3cret pass\n") });
  expect(setup.exitCode).toBe(0);
  expect(setup.stdout.toString()).not.toContain("s3cret");
  chmodSync(file, 0o644);
  const loose = Bun.spawnSync([BINARY, "telnet-server", "deploy.ts", "--port", "0", "--password-file", file], { cwd: dir });
  expect(loose.exitCode).toBe(2);
  expect(loose.stderr.toString()).toContain("chmod 600");
  chmodSync(file, 0o600);
  const server = await serve(["--password-file", file]);
  try {
    const client = await telnetClient({ port: server.port });
    await client.waitFor("Username: ");
    client.send("alice\r");
    await client.waitFor("Password: ");
    client.send("wrong\r");
    await client.waitFor("Authentication failed, try again");
    await client.waitFor("Username: ");
    client.send("alice\r");
    await client.waitFor("Password: ");
    client.send("s3cret pass\r");
    await client.waitFor("alice@Root > ");
    expect(client.text()).not.toContain("s3cret");
    expect(server.log()).not.toContain("s3cret");
    client.close();
  } finally {
    await server.stop();
  }
}, 30_000);

/** What a client run as `user` (a real other user of this machine: the fixture's) gets from the server on `port`. */
function connectAs(user: string, port: number, send = ""): string {
  const script = `exec 3<>/dev/tcp/127.0.0.1/${port}; printf '%s' "$1" >&3; timeout 2 cat <&3`;
  return Bun.spawnSync(["runuser", "-u", user, "--", "bash", "-c", script, "bash", send]).stdout.toString();
}

test("without a password file, only the user who started it gets in: another user of this machine is refused, saying why", async () => {
  const server = await serve();
  try {
    expect(server.log()).toContain("only the user who started this server may connect");
    const other = connectAs(FIXTURE_USER, server.port);
    expect(other).toContain("deployer: this telnet server lets in only the user who started it, from this machine");
    expect(other).not.toContain("Root > ");
    await until(() => /refused: it is uid \d+, not this server's user \(uid \d+\)/.test(server.log()), "the refusal in the log");
    // The owner still gets in.
    const client = await telnetClient({ port: server.port });
    await client.waitFor("Root > ");
    client.close();
  } finally {
    await server.stop();
  }
}, 30_000);

test("with a password file, another user of this machine may log in", async () => {
  const file = join(dir, "passwd-others");
  expect(Bun.spawnSync([BINARY, "telnet-passwd", file, "bob"], { cwd: dir, stdin: Buffer.from("b0b pass\n") }).exitCode).toBe(0);
  const server = await serve(["--password-file", file]);
  try {
    expect(server.log()).not.toContain("only the user who started this server");
    expect(stripEscapes(connectAs(FIXTURE_USER, server.port))).toContain("Username: ");
  } finally {
    await server.stop();
  }
}, 30_000);

test("--bind to a non-loopback address warns that telnet is unencrypted", async () => {
  // Bound to all interfaces for a moment; only loopback is ever connected to.
  const server = await serve(["--bind", "0.0.0.0"]);
  try {
    expect(server.log()).toContain("warning: telnet is unencrypted");
  } finally {
    await server.stop();
  }
}, 30_000);
