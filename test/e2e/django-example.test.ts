// The seed's Django tutorial (examples/django.ts) end to end: a git repository served by git daemon
// on a fixture address, checked out over SSH, a virtualenv, settings from Config, the app started
// by its supervisor script, and fetched over loopback; then a second instance and a new release.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "../fixture/sshd.ts";
import { deployer, ROOT } from "../helpers/deployer.ts";
import { until } from "../helpers/wait.ts";

const fixture = loadFixture();
const host = fixture.hosts[0]!;
let dir: string;
let daemon: ChildProcess;
let env: Record<string, string | undefined>;

/** A free TCP port on the host's address. */
function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, address, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const git = (...args: string[]) => {
  const result = spawnSync("git", ["-C", join(dir, "src"), "-c", "user.email=dev@example.com", "-c", "user.name=dev", ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "deployer-django-"));
  // The fixture user (not root) deploys into here.
  chmodSync(dir, 0o777);
  cpSync(join(ROOT, "examples", "app"), join(dir, "src"), { recursive: true });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-qm", "release 1.0");
  spawnSync("git", ["clone", "-q", "--bare", join(dir, "src"), join(dir, "served", "app.git")]);
  const gitPort = await freePort(host.address);
  daemon = spawn("git", ["daemon", "--reuseaddr", "--export-all", `--base-path=${join(dir, "served")}`, `--listen=${host.address}`, `--port=${gitPort}`, join(dir, "served")], { stdio: "ignore" });
  await until(() => spawnSync("git", ["ls-remote", `git://${host.address}:${gitPort}/app.git`]).status === 0, "git daemon to serve");
  const port = await freePort(host.address);
  env = {
    ...process.env, NO_COLOR: "1",
    APP_REPOSITORY: `git://${host.address}:${gitPort}/app.git`,
    APP_HOSTS: `${host.address}:${host.port}`, APP_USER: fixture.username, APP_KEY: fixture.clientKey, APP_KNOWN_HOSTS: fixture.knownHosts,
    APP_ROOT: join(dir, "deployed"), APP_BIND: host.address, APP_PORT: String(port),
  };
}, 30_000);

afterAll(() => {
  for (const instance of ["main", "second"]) deployer(["run", "examples/django.ts", "--non-interactive", "--", instance, "stop"], { cwd: ROOT, env });
  daemon?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => deployer(["run", "examples/django.ts", "--non-interactive", "--", ...args], { cwd: ROOT, env });
const fetchApp = async (offset = 0) => (await fetch(`http://${host.address}:${Number(env.APP_PORT) + offset}/`)).json() as Promise<Record<string, string>>;

test("deploys the app over SSH and it answers with its settings from its virtualenv", async () => {
  const deployed = run("main", "deploy");
  expect(deployed.stderr).toBe("");
  expect(deployed.status).toBe(0);
  expect(deployed.stdout).toContain("git clone --recursive");
  expect(deployed.stdout).toContain("System check identified no issues (instance main, version 1.0).");
  const answer = await fetchApp();
  expect(answer).toMatchObject({ greeting: "Hello from the tutorial", instance: "main", version: "1.0" });
  expect(answer.python).toBe(join(dir, "deployed", ".virtualenvs", "project-env"));
  // The settings on the host are exactly what Config generates: nothing to change.
  expect(run("main", "settings", "changed").stdout).toContain("false");
}, 120_000);

test("a second instance beside the first, through double-underscore overrides", async () => {
  const second = run("second", "deploy");
  expect(second.status).toBe(0);
  const answer = await fetchApp(1);
  expect(answer).toMatchObject({ instance: "second", version: "1.0" });
  expect(answer.python).toBe(join(dir, "deployed", ".virtualenvs", "project-env-2"));
  expect((await fetchApp()).instance).toBe("main");
}, 120_000);

test("a new release: checkout of a new commit, restart, the new version answers", async () => {
  writeFileSync(join(dir, "src", "VERSION"), "2.0\n");
  git("commit", "-qam", "release 2.0");
  git("push", "-q", join(dir, "served", "app.git"), "main");
  const deployed = run("main", "deploy");
  expect(deployed.status).toBe(0);
  expect((await fetchApp()).version).toBe("2.0");
  expect((await fetchApp(1)).version).toBe("1.0");
  expect(run("main", "status").stdout).toContain("app is running");
}, 120_000);
