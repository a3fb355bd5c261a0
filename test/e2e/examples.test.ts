// The seed's tutorials, as examples/ holds them, run end to end against the sshd fixture.
import { expect, test } from "bun:test";
import { loadFixture } from "../fixture/sshd.ts";
import { deployer, lines, ROOT } from "../helpers/deployer.ts";

const fixture = loadFixture();

test("roles and nodes: production spreads over several SSH hosts, each component on its roles' hosts", () => {
  const env = {
    ...process.env, NO_COLOR: "1",
    ROLES_SSH_HOSTS: fixture.hosts.map((h) => `${h.address}:${h.port}`).join(","),
    ROLES_SSH_USER: fixture.username, ROLES_SSH_KEY: fixture.clientKey, ROLES_SSH_KNOWN_HOSTS: fixture.knownHosts,
  };
  const run = (...path: string[]) => deployer(["run", "examples/roles.ts", "--non-interactive", "--", ...path], { cwd: ROOT, env });
  // Hosts are handed out in turn: staging_host0 .10, lb0 .11, lb1 .12, web_server1 .10, …
  const [a, b, c] = fixture.hosts.map((h) => `${h.address} ${h.port}`);
  const health = run("production_system", "health", "check");
  expect(health.status).toBe(0);
  expect(health.stdout).toContain("Summary: 5 ok, 0 failed, of 5 hosts");
  for (const [slug, at] of [["web_server1", a], ["web_server2", b], ["web_server3", c], ["lb0", b], ["lb1", c]]) {
    expect(health.stdout).toContain(`${slug}: 'ok on ${at}'`);
  }
  const staging = run("staging_system", "health", "check");
  expect(staging.stdout).toContain(`'ok on ${a}'`);
  // Each component on the hosts of its roles only.
  const database = run("production_system", "database", "info");
  expect(database.status).toBe(0);
  expect(lines(database.stdout)).toEqual(["           master_db echo 'Database: role master'", "Database: role master", "            slave_db echo 'Database: role slave'", "Database: role slave"]);
  const lb = run("production_system", "load_balancer", "info");
  expect(lines(lb.stdout).filter((l) => l.includes("| LoadBalancer")).map((l) => l.split(" ")[0]).sort()).toEqual(["lb0", "lb1"]);
}, 60_000);
