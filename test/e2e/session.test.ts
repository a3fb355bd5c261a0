// Shared sessions: listen / connect / list-sessions, the background server behind `run`, and a
// server that survives clients that die or speak nonsense.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode, FrameReader } from "../../cmd/_protocol.ts";
import { loadFixture } from "../fixture/sshd.ts";
import { BINARY, deployer } from "../helpers/deployer.ts";
import { onScreen, type Screen } from "../helpers/screen.ts";
import { until } from "../helpers/wait.ts";

const fixture = loadFixture();
const host = fixture.hosts[0]!;
const DEPLOY = `import { Node, SSHHost } from "deployer";
class H0 extends SSHHost {
  slug = "${host.slug}"; address = "${host.address}"; port = ${host.port}; username = "${fixture.username}";
  keyFilename = "${fixture.clientKey}"; knownHostsFilename = "${fixture.knownHosts}";
}
export default class Root extends Node {
  Hosts = { host: [H0] };
  state = { count: 0 };
  web = class extends Node {
    async hello() { return "hello from web"; }
  };
  async count() { this.state.count++; return \`count is \${this.state.count}\`; }
  async ppid() { return \`connection \${(await this.hosts.run("echo $PPID", { interactive: false }))[0].trim()}\`; }
  async nap() { await this.hosts.run("sleep 27.456", { interactive: false }); }
  async broken() { throw new Error("it broke"); }
}
`;

let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deployer-session-"));
  writeFileSync(join(dir, "deploy.ts"), DEPLOY);
  env = { XDG_STATE_HOME: join(dir, "state"), XDG_RUNTIME_DIR: join(dir, "run"), TMUX: "" };
});

/** A `listen` server in the foreground, with its log. */
async function listen(socket: string): Promise<{ log: () => string; stop: () => Promise<number> }> {
  const proc = Bun.spawn([BINARY, "listen", "deploy.ts", "--socket", socket], { cwd: dir, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  let log = "";
  void (async () => { for await (const chunk of proc.stdout) log += new TextDecoder().decode(chunk); })();
  await until(() => log.includes("Listening on"), "the server to listen");
  return { log: () => log, stop: async () => { proc.kill("SIGTERM"); return await proc.exited; } };
}

const sleeping = () => spawnSync("pgrep", ["-f", "^sleep 27\\.456$"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).length;
const sessions = () => deployer(["list-sessions"], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: "1" } }).stdout;

describe("listen and connect", () => {
  let server: Awaited<ReturnType<typeof listen>>;
  let socket: string;
  let a: Screen;
  let b: Screen;
  beforeAll(async () => {
    socket = join(dir, "shared.sock");
    server = await listen(socket);
    a = await onScreen(["connect", "--socket", socket], { cwd: dir, env });
    b = await onScreen(["connect", "--socket", socket], { cwd: dir, env });
    await a.waitForLast("Root > ");
    await b.waitForLast("Root > ");
  }, 30_000);
  afterAll(async () => { await server?.stop(); });

  test("the socket is the owner's only", () => {
    expect(statSync(socket).mode & 0o777).toBe(0o600);
  });

  test("two terminals share one node tree", async () => {
    a.type("count\r");
    await a.waitFor("count is 1");
    b.type("count\r");
    await b.waitFor("count is 2");
  }, 30_000);

  test("two terminals share one SSH connection per host", async () => {
    a.type("ppid\r");
    await a.waitFor(/connection \d+/);
    const first = /connection (\d+)/.exec(a.lines().join("\n"))![1];
    b.type("ppid\r");
    await b.waitFor(/connection \d+/);
    const second = /connection (\d+)/.exec(b.lines().join("\n"))![1];
    expect(second).toBe(first!);
  }, 30_000);

  test("each terminal has its own place in the tree; list-sessions shows them and what they run", async () => {
    a.type("cd web\r");
    await a.waitForLast("Root.web > ");
    await b.waitForLast("Root > ");
    b.type("nap\r");
    await until(() => sleeping() === 1, "the nap to start");
    const listed = sessions();
    expect(listed).toContain(socket);
    expect(listed).toContain(join(dir, "deploy.ts"));
    expect(listed).toContain("Terminals: 2");
    expect(listed).toMatch(/Root\.web\s+\(idle\)/);
    expect(listed).toMatch(/Root\s+Root\.nap/);
    b.type("\x03");
    await b.waitFor("Interrupted");
    await until(() => sleeping() === 0, "the nap to stop");
  }, 30_000);

  test("a malformed or oversized message closes that client only", async () => {
    for (const bad of [Buffer.from([0, 0, 0, 5, ...Buffer.from("{oops")]), Buffer.from([0xff, 0xff, 0xff, 0xff]), encode({ type: "input", data: "AA==" })]) {
      const closed = await new Promise<boolean>((resolve) => {
        const raw: Socket = createConnection(socket, () => raw.write(bad));
        raw.on("close", () => resolve(true));
        raw.on("error", () => undefined);
        setTimeout(() => { raw.destroy(); resolve(false); }, 10_000);
      });
      expect(closed).toBe(true);
    }
    expect(server.log()).toContain("message is not JSON; closed");
    expect(server.log()).toContain("over the limit");
    expect(server.log()).toContain("input before hello; closed");
    a.type("hello\r");
    await a.waitFor("hello from web");
  }, 30_000);

  test("a terminal killed mid-action: its commands stop, the others carry on", async () => {
    const c = await onScreen(["connect", "--socket", socket], { cwd: dir, env });
    await c.waitForLast("Root > ");
    c.type("nap\r");
    await until(() => sleeping() === 1, "the nap to start");
    c.kill("SIGKILL");
    await c.exited;
    await until(() => server.log().includes("left (stopped 1 running command)"), "the server to notice");
    await until(() => sleeping() === 0, "the killed terminal's command to stop");
    b.type("count\r");
    await b.waitFor(/count is \d+/);
    expect(sessions()).toContain("Terminals: 2");
  }, 30_000);

  test("new outside tmux says how to join the session from another terminal", async () => {
    b.type("new\r");
    await b.waitFor("Not inside tmux, so there is no pane to open.");
    await b.waitFor(`  deployer connect --socket ${socket}`);
  }, 30_000);

  test("connect can run one action and exit with its status", () => {
    const ok = deployer(["connect", "--socket", socket, "--", "web", "hello"], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: "1" } });
    expect(ok.stdout).toContain("hello from web");
    expect(ok.status).toBe(0);
    const failed = deployer(["connect", "--socket", socket, "--", "broken"], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: "1" } });
    expect(failed.stderr).toContain("broken failed: Error: it broke");
    expect(failed.status).toBe(1);
  }, 30_000);

  test("the listen server stays up when every terminal has left", async () => {
    a.type("exit\r");
    b.type("exit\r");
    expect((await a.exited).exitCode).toBe(0);
    expect((await b.exited).exitCode).toBe(0);
    expect(sessions()).toContain("Terminals: 0");
    const again = await onScreen(["connect", "--socket", socket], { cwd: dir, env });
    again.type("count\r");
    await again.waitFor(/count is [3-9]/);
    again.type("\x04");
    expect((await again.exited).exitCode).toBe(0);
  }, 30_000);
});

describe("run through a background server", () => {
  test("run starts a server the terminal's shell talks to; it stops when the last terminal leaves", async () => {
    const s = await onScreen(["run", "deploy.ts"], { cwd: dir, env });
    await s.waitForLast("Root > ");
    const socketDir = join(dir, "run", "deployer");
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    const [name] = readdirSync(socketDir);
    expect(name).toMatch(/^session\.\d+\.sock$/);
    expect(statSync(join(socketDir, name!)).mode & 0o777).toBe(0o600);
    // A second terminal joins the same session by its number.
    const number = /session\.(\d+)\.sock/.exec(name!)![1]!;
    const other = await onScreen(["connect", "--socket", number, "--path", "web"], { cwd: dir, env });
    await other.waitForLast("Root.web > ");
    s.type("count\r");
    await s.waitFor("count is 1");
    other.type("/ count\r");
    await other.waitFor("count is 2");
    other.type("exit\r");
    await other.exited;
    s.type("exit\r");
    expect((await s.exited).exitCode).toBe(0);
    await until(() => !existsSync(join(socketDir, name!)), "the server to stop and remove its socket");
    expect(sessions()).toBe("No sessions.\n");
  }, 40_000);

  test("a broken deploy.ts is reported by run in one line, as without a server", async () => {
    writeFileSync(join(dir, "broken.ts"), "export default class {\n  x = = 1;\n}\n");
    const s = await onScreen(["run", "broken.ts"], { cwd: dir, env });
    await s.waitFor("broken.ts:2:");
    expect((await s.exited).exitCode).toBe(2);
  }, 30_000);

  test("--path names the first unknown node", async () => {
    const s = await onScreen(["run", "deploy.ts", "--path", "web nope"], { cwd: dir, env });
    await s.waitFor('--path: no node "nope" at web');
    expect((await s.exited).exitCode).toBe(2);
    const here = deployer(["run", "deploy.ts", "-s", "--path", "nowhere"], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: "1" } });
    expect(here.stderr).toContain("the shell needs a terminal");
  }, 30_000);
});

test("connect to a socket nobody listens on says so in one line", () => {
  const result = deployer(["connect", "--socket", join(tmpdir(), "no-such-deployer.sock")], { cwd: tmpdir() });
  expect(result.status).toBe(2);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr).toContain("no session is listening there");
});
