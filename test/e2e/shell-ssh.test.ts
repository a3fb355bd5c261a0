import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "../fixture/sshd.ts";
import { onScreen } from "../helpers/screen.ts";
import { until } from "../helpers/wait.ts";

test("Ctrl-C in the shell stops an action's commands on SSH hosts too", async () => {
  const fixture = loadFixture();
  const dir = mkdtempSync(join(tmpdir(), "deployer-shell-ssh-"));
  const hosts = fixture.hosts.slice(0, 2).map((h, i) => `class H${i} extends SSHHost {
  slug = "${h.slug}"; address = "${h.address}"; port = ${h.port}; username = "${fixture.username}";
  keyFilename = "${fixture.clientKey}"; knownHostsFilename = "${fixture.knownHosts}";
}`);
  writeFileSync(join(dir, "deploy.ts"), [
    `import { Node, SSHHost } from "deployer";`,
    ...hosts,
    `export default class Root extends Node {`,
    `  Hosts = { host: [H0, H1] };`,
    `  async nap() { await this.hosts.run("sleep 28.789", { interactive: false }); }`,
    `}`,
  ].join("\n"));
  const count = () => spawnSync("pgrep", ["-f", "^sleep 28\\.789$"], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean).length;
  const s = await onScreen(["run", "deploy.ts"], { cwd: dir, env: { XDG_STATE_HOME: join(dir, "state") } });
  await s.waitForLast("Root > ");
  s.type("nap\r");
  await until(() => count() === 2);
  s.type("\x03");
  await s.waitFor("Interrupted (stopped 2 running commands).");
  await s.waitForLast("Root > ");
  await until(() => count() === 0);
  s.type("\x04");
  expect((await s.exited).exitCode).toBe(0);
}, 30_000);
