import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { loadFixture } from "../fixture/sshd.ts";
import { deployer, lines } from "../helpers/deployer.ts";

const fixture = loadFixture();

const env = {
  ...process.env,
  NO_COLOR: "1",
  REMOTE_HOSTS: fixture.hosts.map((h) => `${h.address}:${h.port}`).join(","),
  REMOTE_USER: fixture.username,
  REMOTE_KEY: fixture.clientKey,
  REMOTE_PASSWORD: fixture.password,
  REMOTE_KNOWN_HOSTS: fixture.knownHosts,
  SITE_ROOT: "~/site-%h", // the fixture's hosts share one home directory
};

test("examples/remote.ts deploys a release to every SSH host at once and reports each", () => {
  const version = `v${Date.now()}`;
  const run = deployer(["run", "examples/remote.ts", "--non-interactive", "--", "site", "deploy", version], { env });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const result = lines(run.stdout).at(-1);
  expect(result).toBe(`{ web1: '<h1>${version} on web1</h1>', web2: '<h1>${version} on web2</h1>', web3: '<h1>${version} on web3</h1>' }`);
  const current = deployer(["run", "examples/remote.ts", "--non-interactive", "--", "site", "current"], { env });
  expect(lines(current.stdout).at(-1)).toBe(`{ web1: '${version}', web2: '${version}', web3: '${version}' }`);
  // The file really is there, as the test user, in its home.
  const home = spawnSync("bash", ["-c", `getent passwd ${fixture.username} | cut -d: -f6`], { encoding: "utf8" }).stdout.trim();
  expect(spawnSync("cat", [`${home}/site-web2/current/index.html`], { encoding: "utf8" }).stdout).toBe(`<h1>${version} on web2</h1>\n`);
});

test("examples/remote.ts uses sudo with the host's password, on every host", () => {
  const run = deployer(["run", "examples/remote.ts", "--non-interactive", "--", "site", "checkSudo"], { env });
  expect(run.status).toBe(0);
  expect(lines(run.stdout).at(-1)).toBe(`{ web1: 'sudo ok', web2: 'sudo ok', web3: 'sudo ok' }`);
  expect(run.stdout + run.stderr).not.toContain(fixture.password);
});

test("a host that is down is named, with the cause, and the other hosts still finish", () => {
  const down = { ...env, REMOTE_HOSTS: `${fixture.hosts[0]!.address}:${fixture.hosts[0]!.port},${fixture.hosts[1]!.address}:1` };
  const run = deployer(["run", "examples/remote.ts", "--non-interactive", "--", "site", "current"], { env: down });
  expect(run.status).toBe(1);
  expect(lines(run.stderr)[0]).toMatch(/Root\.site\.current failed on 1 of 2: web2: cannot connect to web2: connection refused by 127\.0\.0\.11:1$/);
});
