import { expect, test } from "bun:test";
import { deployer, lines, project } from "../helpers/deployer.ts";

test("a failing query reports the line of deploy.ts where it was written", () => {
  const dir = project({
    "deploy.ts": [
      `import { Node, Q } from "deployer";`,
      `class Service extends Node {`,
      `  port = Q.parent.basePort.$add(1);`,
      `  url = Q.parent.nothing.here;`,
      `  async show() { return this.url; }`,
      `}`,
      `export default class Root extends Node {`,
      `  basePort = 8000;`,
      `  service = Service;`,
      `}`,
    ].join("\n"),
  });
  const run = deployer(["run", "deploy.ts", "--non-interactive", "--", "service", "show"], { cwd: dir });
  expect(run.status).toBe(1);
  expect(lines(run.stderr)[0]).toMatch(
    /^deploy\.ts:5:\d+: Root\.service\.show failed: Running query url:=Q\.parent\.nothing\.here on "Root\.service" failed \(written at deploy\.ts:4:\d+\): Q\.parent\.nothing is undefined/,
  );
});

test("the roles example routes each component to the hosts of its role", () => {
  // "host echo …" for one host at a time; "host | $ echo …" from the lanes of hosts running at once.
  const info = (...path: string[]) => lines(deployer(["run", "examples/roles.ts", "--non-interactive", "--", ...path, "info"]).stdout)
    .map((line) => /^\s+(\S+) echo /.exec(line)?.[1] ?? /^(\S+)\s+\| \$ echo /.exec(line)?.[1])
    .filter((host) => host !== undefined)
    .sort();
  expect(info("production_system", "database")).toEqual(["master_db", "slave_db"]);
  expect(info("production_system", "git")).toEqual(["lb0", "lb1", "queue_host", "web_server1", "web_server2", "web_server3"]);
  expect(info("production_system", "load_balancer")).toEqual(["lb0", "lb1"]);
  expect(info("staging_system", "cache")).toEqual(["staging_host0"]);
  expect(info("staging_system", "database")).toEqual(["staging_host0"]);
});

test("a parallel action over several hosts reports every failing host in one line", () => {
  const dir = project({
    "deploy.ts": [
      `import { Node, ParallelNode, LocalHost, child, arrayOf } from "deployer";`,
      `class H1 extends LocalHost { slug = "h1"; }`,
      `class H2 extends LocalHost { slug = "h2"; }`,
      `class H3 extends LocalHost { slug = "h3"; }`,
      `class Web extends ParallelNode {`,
      `  async check() { await this.host.run(this.host.slug === "h1" ? "true" : "exit 5"); }`,
      `}`,
      `export default class Root extends Node {`,
      `  Hosts = { host: [H1, H2, H3] };`,
      `  web = child(arrayOf(Web));`,
      `}`,
    ].join("\n"),
  });
  const run = deployer(["run", "deploy.ts", "--non-interactive", "--", "web", "check"], { cwd: dir });
  expect(run.status).toBe(1);
  expect(lines(run.stderr)[0]).toMatch(
    /^deploy\.ts:6:\d+: Root\.web\.check failed on 2 of 3: h2: Executing "exit 5" on "h2" failed with status code: 5; h3: Executing "exit 5" on "h3" failed with status code: 5$/,
  );
});
