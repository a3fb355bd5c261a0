// Secrets (issue 10, point 4): the SSH login password, an encrypted key's passphrase and sudo
// passwords (from the host class, and typed at the prompt) never show up in --log files, history,
// --inspect output, output and error messages, session listings, process titles or the environment
// of remote commands. Every output and every file the runs wrote is searched at the end.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "../fixture/sshd.ts";
import { BINARY, deployer, type Run } from "../helpers/deployer.ts";
import { onScreen } from "../helpers/screen.ts";
import { until } from "../helpers/wait.ts";

const fixture = loadFixture();
const host = fixture.hosts[0]!;
const PASSWORD = fixture.password; // the test user's login and sudo password
const PASSPHRASE = fixture.clientKeyPassphrase;
// Wrong answers are secrets too: a refused password must not be echoed back in the error.
const WRONG_SUDO = `wrong-sudo-${crypto.randomUUID()}`;
const WRONG_LOGIN = `wrong-login-${crypto.randomUUID()}`;
const SECRETS = { password: PASSWORD, passphrase: PASSPHRASE, wrongSudo: WRONG_SUDO, wrongLogin: WRONG_LOGIN };

let dir: string; // deploy.ts, and everything deployer writes (HOME and the XDG folders point here)
let secretsDir: string; // the secrets file deploy.ts reads: the one place they may be
let env: Record<string, string>;
/** Everything the runs printed, and the processes seen while commands ran: searched at the end. */
const seen: Array<{ where: string; text: string }> = [];
const note = (where: string, text: string) => seen.push({ where, text });

const flag = (name: string) => join(dir, "flags", name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deployer-secrets-"));
  secretsDir = mkdtempSync(join(tmpdir(), "deployer-secrets-file-"));
  writeFileSync(join(secretsDir, "secrets.json"), JSON.stringify(SECRETS), { mode: 0o600 });
  // The remote user (on this machine) writes and reads the flag files.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "flags"));
  chmodSync(join(dir, "flags"), 0o777);
  const common = `address = "${host.address}"; port = ${host.port}; username = "${fixture.username}"; knownHostsFilename = "${fixture.knownHosts}";`;
  // A command that says it started (with its pid) and waits to be released, so the test can look
  // at the processes while it runs.
  const hold = (name: string) => `echo $$ > ${flag(`${name}.pid`)}; while [ ! -e ${flag(`${name}.go`)} ]; do sleep 0.05; done; echo released`;
  writeFileSync(join(dir, "deploy.ts"), `import { Node, SSHHost } from "deployer";
import { readFileSync } from "node:fs";
const secrets = JSON.parse(readFileSync(${JSON.stringify(join(secretsDir, "secrets.json"))}, "utf8"));
class PasswordHost extends SSHHost { slug = "pw"; ${common} password = secrets.password; }
class KeyHost extends SSHHost { slug = "key"; ${common} keyFilename = "${fixture.clientKeyEncrypted}"; rsaKeyPassword = secrets.passphrase; }
class WrongSudoHost extends SSHHost { slug = "wrongsudo"; ${common} keyFilename = "${fixture.clientKeyEncrypted}"; rsaKeyPassword = secrets.passphrase; password = secrets.wrongSudo; }
class WrongLoginHost extends SSHHost { slug = "wronglogin"; ${common} password = secrets.wrongLogin; }
class Probe extends Node {
  async whoami() { return "sudo says " + (await this.hosts.sudo("whoami"))[0].trim(); }
  async login() { return "logged in as " + (await this.hosts.run("id -un"))[0].trim(); }
  async environment() { return (await this.hosts.run("env"))[0]; }
  async hold() { await this.hosts.run(${JSON.stringify(hold("run"))}); }
  async sudoHold() { await this.hosts.sudo(${JSON.stringify(hold("sudo"))}); }
  async fail() { await this.hosts.sudo("echo failing-output; exit 3"); }
  async hostObjects() { return [...this.hosts]; }
  async container() { return this.hosts; }
  get hostList() { return [...this.hosts]; }
}
export default class Root extends Node {
  pw = class extends Probe { Hosts = { host: PasswordHost }; };
  key = class extends Probe { Hosts = { host: KeyHost }; };
  wrongsudo = class extends Probe { Hosts = { host: WrongSudoHost }; };
  wronglogin = class extends Probe { Hosts = { host: WrongLoginHost }; };
}
`);
  const home = join(dir, "home");
  mkdirSync(home);
  env = {
    HOME: home, XDG_STATE_HOME: join(dir, "state"), XDG_CACHE_HOME: join(dir, "cache"), XDG_RUNTIME_DIR: join(dir, "run"),
    TMUX: "", SSH_AUTH_SOCK: "", NO_COLOR: "1",
  };
});

const logFile = () => join(dir, "deploy.log");
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));

const runOnce = (...args: string[]): Run => {
  const result = deployer(["run", "deploy.ts", "--non-interactive", "--log", logFile(), "--", ...args], { cwd: dir, env: { ...process.env, ...env } });
  note(`run ${args.join(" ")}: stdout`, result.stdout);
  note(`run ${args.join(" ")}: stderr`, result.stderr);
  return result;
};

// ---------------------------------------------------------------------------
// Looking for a secret: as is, and in the encodings it could be written in.

/** The forms a secret could take in an output: itself, hex, URL and JSON escaped, base64 at any alignment. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const out = new Set([secret, bytes.toString("hex"), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  // base64 of a longer text holds the base64 of the secret's tail from its first 3-byte boundary;
  // the last group depends on what follows, so it is left out.
  for (let shift = 0; shift < 3; shift++) {
    const encoded = bytes.subarray(shift).toString("base64").replace(/=+$/, "").slice(0, -3);
    out.add(encoded);
    out.add(encoded.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...out];
}

/** Which secrets, in which form, `text` holds. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const form of forms(secret)) if (text.includes(form)) found.push(`${name} (as ${JSON.stringify(form)})`);
  }
  return found;
}

/** Files under `root`, recursively (a file that vanished meanwhile is skipped). */
function filesUnder(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Processes: deployer's and those of the fixture's sshd (the remote side), with their command lines
// and environments, read while a command runs.

interface Proc { pid: number; ppid: number; cmdline: string; environ: string }

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const read = (file: string) => readFileSync(`/proc/${pid}/${file}`, "latin1").replace(/\0/g, " ");
    return { pid, ppid, cmdline: read("cmdline"), environ: read("environ") };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** Every live process descending from `roots` (the roots included). */
function processTree(roots: number[]): Proc[] {
  const all = readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map((name) => readProc(Number(name))).filter((p): p is Proc => p !== undefined);
  const inside = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (!inside.has(p.pid) && inside.has(p.ppid)) inside.add(p.pid), (grew = true);
  }
  return all.filter((p) => inside.has(p.pid));
}

/** Records the command lines and environments of deployer (`pids`) and the remote side; returns them. */
function noteProcesses(label: string, ...pids: number[]): Proc[] {
  const procs = processTree([...pids, ...fixture.pids]);
  for (const p of procs) {
    note(`${label}: /proc/${p.pid}/cmdline (${p.cmdline.slice(0, 60)})`, p.cmdline);
    note(`${label}: /proc/${p.pid}/environ (${p.cmdline.slice(0, 60)})`, p.environ);
  }
  return procs;
}

function psArgs(label: string): void {
  const ps = Bun.spawnSync(["ps", "-eo", "pid,args", "--cols", "10000"]);
  note(`${label}: ps -eo args`, ps.stdout.toString());
}

/** Starts a non-interactive run in the background; `done` gives its outputs. */
function startRun(...args: string[]): { pid: number; done: Promise<Run> } {
  const proc = Bun.spawn([BINARY, "run", "deploy.ts", "--non-interactive", "--log", logFile(), "--", ...args], {
    cwd: dir, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe",
  });
  const done = (async () => {
    const [stdout, stderr, status] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    note(`run ${args.join(" ")}: stdout`, stdout);
    note(`run ${args.join(" ")}: stderr`, stderr);
    return { status, stdout, stderr };
  })();
  return { pid: proc.pid, done };
}

/** The remote command's pid, once it has written it. */
async function started(name: string): Promise<number> {
  const file = flag(`${name}.pid`);
  await until(() => { try { return readFileSync(file, "utf8").endsWith("\n"); } catch { return false; } }, `${name} to start`);
  return Number(readFileSync(file, "utf8").trim());
}

// ---------------------------------------------------------------------------

describe("a full non-interactive run", () => {
  test("logs in with the password and answers sudo with the host's password", () => {
    const login = runOnce("pw", "login");
    expect(login.stdout).toContain(`logged in as ${fixture.username}`);
    const sudo = runOnce("pw", "whoami");
    expect(sudo.status).toBe(0);
    expect(sudo.stdout).toContain("sudo says root");
  }, 60_000);

  test("logs in with the encrypted key and its passphrase", () => {
    const login = runOnce("key", "login");
    expect(login.status).toBe(0);
    expect(login.stdout).toContain(`logged in as ${fixture.username}`);
    // Without a terminal there is nobody to ask: the error says so, with no password in it.
    const sudo = runOnce("key", "whoami");
    expect(sudo.status).not.toBe(0);
    expect(sudo.stderr).toContain("needs a password");
  }, 60_000);

  test("a refused sudo password, a refused login and a failing sudo command are reported without the secret", () => {
    const refused = runOnce("wrongsudo", "whoami");
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain("refused the password");
    const login = runOnce("wronglogin", "login");
    expect(login.status).not.toBe(0);
    expect(login.stderr).toContain("authentication failed");
    const failing = runOnce("pw", "fail");
    expect(failing.status).not.toBe(0);
    expect(failing.stdout + failing.stderr).toContain("failing-output");
    expect(failing.stderr).toContain("status code: 3");
  }, 60_000);

  test("the environment of remote commands holds no secret", () => {
    for (const node of ["pw", "key"]) {
      const result = runOnce(node, "environment");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`USER=${fixture.username}`);
    }
  }, 60_000);

  test("printing host objects (an action's result) shows no secret", () => {
    for (const [node, name] of [["pw", "PasswordHost"], ["key", "KeyHost"], ["wrongsudo", "WrongSudoHost"]]) {
      const hosts = runOnce(node!, "hostObjects");
      expect(hosts.status).toBe(0);
      expect(hosts.stdout).toContain(name!);
      expect(hosts.stdout).toContain("'***'");
      const container = runOnce(node!, "container");
      expect(container.status).toBe(0);
      expect(container.stdout).toContain("HostsContainer");
    }
  }, 60_000);

  test("process titles and environments, here and on the host, hold no secret while commands run", async () => {
    for (const [node, action, name] of [["pw", "hold", "run"], ["pw", "sudoHold", "sudo"], ["key", "hold", "run"]] as const) {
      const run = startRun(node, action);
      const remote = await started(name);
      const procs = noteProcesses(`${node} ${action}`, run.pid);
      psArgs(`${node} ${action}`);
      // Not vacuous: deployer itself and the remote command were among them.
      expect(procs.map((p) => p.pid)).toContain(run.pid);
      expect(procs.map((p) => p.pid)).toContain(remote);
      expect(procs.find((p) => p.pid === remote)!.environ).toContain(name === "sudo" ? "SUDO_USER=" : `USER=${fixture.username}`);
      writeFileSync(flag(`${name}.go`), "");
      const result = await run.done;
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("released");
      for (const file of [`${name}.pid`, `${name}.go`]) Bun.spawnSync(["rm", "-f", flag(file)]);
    }
  }, 90_000);
});

describe("the interactive shell", () => {
  test("a sudo password typed at the prompt works and is never shown, logged or kept in history", async () => {
    const s = await onScreen(["run", "deploy.ts", "--log", logFile()], { cwd: dir, env, rows: 200 });
    try {
      await s.waitForLast("Root > ");
      s.type("key whoami\r");
      await s.waitFor(/\[sudo\] password for deployer-test on key/);
      s.type(`${PASSWORD}\r`);
      await s.waitFor("sudo says root");
      await s.waitForLast("Root > ");
      // The same answer serves later commands on this host; watch them run.
      s.type("key sudoHold\r");
      const remote = await started("sudo");
      const sessions = deployer(["list-sessions"], { cwd: dir, env: { ...process.env, ...env } });
      note("list-sessions", sessions.stdout + sessions.stderr);
      expect(sessions.stdout).toContain("sudoHold");
      // The terminal's client (under this test) and the session server behind it (its own process).
      const server = Number(/pid (\d+)/.exec(sessions.stdout)?.[1]);
      const procs = noteProcesses("shell key sudoHold", process.pid, server);
      expect(procs.map((p) => p.pid)).toContain(remote);
      expect(procs.map((p) => p.pid)).toContain(server);
      psArgs("shell key sudoHold");
      writeFileSync(flag("sudo.go"), "");
      await s.waitFor("released");
      await s.waitForLast("Root > ");
      // --inspect, and results that hold hosts (one of which was given the typed password).
      const shows = [
        ["--inspect", "Node Root"], ["--inspect pw", "Node Root.pw"], ["--inspect key", "Node Root.key"],
        ["--inspect key hostList", "Property Root.key.hostList"], ["--inspect wrongsudo hostList", "Property Root.wrongsudo.hostList"],
        ["pw hostObjects", "PasswordHost"], ["key hostObjects", "KeyHost"], ["key container", "HostsContainer"],
      ];
      for (const [command, shown] of shows) {
        const before = s.output().length;
        s.type(`${command}\r`);
        // What the command shows, then the prompt again.
        await until(() => {
          const out = s.output().slice(before);
          return out.includes(shown!) && out.indexOf("Root > ", out.indexOf(shown!)) >= 0;
        }, `${command} to show ${shown}`);
      }
      s.type("\x04");
      await s.exited;
    } finally {
      note("the shell's terminal output", s.output());
      note("the shell's screen", s.lines().join("\n"));
      Bun.spawnSync(["rm", "-f", flag("sudo.pid"), flag("sudo.go")]);
    }
  }, 90_000);
});

describe("a shared session (listen and connect)", () => {
  test("the server's log, list-sessions and a client's output hold no secret", async () => {
    const socket = join(dir, "run", "shared.sock");
    mkdirSync(join(dir, "run"), { recursive: true, mode: 0o700 });
    const server = Bun.spawn([BINARY, "listen", "deploy.ts", "--socket", socket, "--log", logFile()], { cwd: dir, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    let log = "";
    void (async () => { for await (const chunk of server.stdout) log += new TextDecoder().decode(chunk); })();
    try {
      await until(() => log.includes("Listening on"), "the server to listen");
      const s = await onScreen(["connect", "--socket", socket], { cwd: dir, env });
      await s.waitForLast("Root > ");
      s.type("pw whoami\r");
      await s.waitFor("sudo says root");
      s.type("key whoami\r");
      await s.waitFor(/\[sudo\] password for deployer-test on key/);
      s.type(`${PASSWORD}\r`);
      await s.waitFor(/sudo says root[^]*sudo says root/);
      await s.waitForLast("Root > ");
      const sessions = deployer(["list-sessions"], { cwd: dir, env: { ...process.env, ...env } });
      note("list-sessions (listen)", sessions.stdout + sessions.stderr);
      expect(sessions.stdout).toContain(socket);
      s.type("\x04");
      await s.exited;
      note("connect's terminal output", s.output());
    } finally {
      server.kill("SIGTERM");
      await server.exited;
      note("listen's stdout (its log)", log);
      note("listen's stderr", await new Response(server.stderr).text());
    }
  }, 90_000);
});

describe("nothing anywhere holds a secret", () => {
  test("the --log file was written, and no output, process or file holds a secret", () => {
    const log = readFileSync(logFile(), "utf8");
    expect(log).toContain('"sudo":true');
    const history = readdirSync(join(dir, "state", "deployer", "history")).map((name) => readFileSync(join(dir, "state", "deployer", "history", name), "utf8")).join("");
    expect(history).toContain("key whoami\n");
    const files = filesUnder(dir);
    for (const file of files) {
      if (statSync(file).size > 0) note(`file ${file}`, readFileSync(file, "latin1"));
    }
    const found = seen.flatMap(({ where, text }) => leaks(text).map((leak) => `${where}: ${leak}`));
    expect(found).toEqual([]);
    // Not vacuous: the search finds a secret where one is.
    expect(leaks(`x${Buffer.from(`ab${PASSWORD}`).toString("base64")}`)).not.toEqual([]);
    const named = leaks(readFileSync(join(secretsDir, "secrets.json"), "utf8")).map((leak) => leak.split(" ")[0]);
    expect(new Set(named)).toEqual(new Set(Object.keys(SECRETS)));
  });
});
