// Inside tmux, a shared session opens panes: `new` for another shell at the same node, and one pane
// per host of a parallel action when parallel-panes is on.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY } from "../helpers/deployer.ts";
import { until } from "../helpers/wait.ts";

const DEPLOY = `import { Node, ParallelNode, LocalHost, arrayOf } from "deployer";
class L1 extends LocalHost { slug = "l1"; }
class L2 extends LocalHost { slug = "l2"; }
class Cell extends ParallelNode {
  async hi() { await this.host.run(\`echo hi from \${this.host.slug}\`); }
}
export default class Root extends Node {
  Hosts = { host: [L1, L2] };
  cells = arrayOf(Cell);
  web = class extends Node { async ping() { return "pong"; } };
}
`;

// A tmux server of the test's own, so nothing else's panes are touched.
const server = `deployer-test-${randomBytes(4).toString("hex")}`;
let dir: string;
const tmux = (...args: string[]) => spawnSync("tmux", ["-L", server, ...args], { encoding: "utf8" });
const panes = () => tmux("list-panes", "-F", "#{pane_id}").stdout.split("\n").filter(Boolean);
const screen = (pane: string) => tmux("capture-pane", "-p", "-t", pane).stdout;
const keys = (pane: string, ...k: string[]) => tmux("send-keys", "-t", pane, ...k);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deployer-panes-"));
  writeFileSync(join(dir, "deploy.ts"), DEPLOY);
  const started = tmux("new-session", "-d", "-x", "160", "-y", "48", "-c", dir, "-e", `XDG_STATE_HOME=${join(dir, "state")}`, "-e", `XDG_RUNTIME_DIR=${join(dir, "run")}`, `${BINARY} run deploy.ts`);
  expect(started.status).toBe(0);
});
afterAll(() => { tmux("kill-server"); });

test("new (and Ctrl-N) opens another shell at the same node in a new pane", async () => {
  const [main] = panes();
  await until(() => screen(main!).includes("Root >"), "the shell").catch((e) => { throw new Error(`${e.message}:\n${screen(main!)}`); });
  keys(main!, "cd web", "Enter");
  await until(() => screen(main!).includes("Root.web >"), "cd web");
  keys(main!, "new", "Enter");
  await until(() => panes().length === 2, "a second pane");
  const second = panes().find((p) => p !== main)!;
  await until(() => screen(second).includes("Root.web >"), "the new pane's shell at Root.web");
  keys(second, "ping", "Enter");
  await until(() => screen(second).includes("pong"), "an action in the new pane");
  keys(second, "exit", "Enter");
  await until(() => panes().length === 1, "the pane to close");
  keys(main!, "C-n");
  await until(() => panes().length === 2, "Ctrl-N's pane");
  const third = panes().find((p) => p !== main)!;
  await until(() => screen(third).includes("Root.web >"), "Ctrl-N's shell at Root.web");
  keys(third, "C-d");
  await until(() => panes().length === 1, "Ctrl-N's pane to close");
}, 40_000);

test("parallel-panes on gives each host its own pane; the summary stays in the first", async () => {
  const [main] = panes();
  keys(main!, "cd /", "Enter");
  keys(main!, "set-option parallel-panes on", "Enter");
  keys(main!, "set-option keep-panes-open on", "Enter");
  keys(main!, "cells hi", "Enter");
  await until(() => panes().length === 3, "a pane per host");
  await until(() => screen(main!).includes("Summary: 2 ok, 0 failed, of 2 hosts"), "the summary").catch((e) => { throw new Error(`${e.message}:\n${screen(main!)}\n${panes().map(screen).join("\n---\n")}`); });
  expect(screen(main!)).toContain("l1 │ runs in its own pane");
  const others = panes().filter((p) => p !== main);
  for (const pane of others) await until(() => screen(pane).includes("[DONE] Press a key to close this pane."), "a finished pane");
  const shown = others.map(screen).join("\n");
  expect(shown).toContain("hi from l1");
  expect(shown).toContain("hi from l2");
  for (const pane of others) keys(pane, "x");
  await until(() => panes().length === 1, "the kept panes to close on a key");
  keys(main!, "set-option parallel-panes off", "Enter");
  keys(main!, "cells hi", "Enter");
  await until(() => screen(main!).includes("l2 │ hi from l2"), "lanes again");
  expect(panes()).toHaveLength(1);
}, 40_000);

test("close-dead-panes closes the panes kept open after their host's work", async () => {
  const [main] = panes();
  keys(main!, "clear", "Enter");
  keys(main!, "set-option parallel-panes on", "Enter");
  keys(main!, "set-option keep-panes-open on", "Enter");
  keys(main!, "cells hi", "Enter");
  await until(() => panes().length === 3, "a pane per host");
  for (const pane of panes().filter((p) => p !== main)) await until(() => screen(pane).includes("[DONE] Press a key"), "a finished pane");
  keys(main!, "close-dead-panes", "Enter");
  await until(() => panes().length === 1, "the kept panes to close");
  await until(() => screen(main!).includes("Closed 2 panes."), "what it closed");
  keys(main!, "close-dead-panes", "Enter");
  await until(() => screen(main!).includes("No pane is waiting to be closed."), "nothing left to close");
  keys(main!, "set-option parallel-panes off", "Enter");
  keys(main!, "set-option keep-panes-open off", "Enter");
}, 40_000);

test("open-monitor shows, in a pane of its own, what this terminal's actions run as they run; a key closes it", async () => {
  const [main] = panes();
  keys(main!, "clear", "Enter");
  keys(main!, "open-monitor", "Enter");
  await until(() => panes().length === 2, "the monitor's pane");
  const monitor = panes().find((p) => p !== main)!;
  await until(() => screen(monitor).includes("Monitor of terminal"), "the monitor's heading");
  keys(main!, "cells hi", "Enter");
  await until(() => screen(main!).includes("Summary: 2 ok"), "the action to end");
  await until(() => /Root\.cells\[l2\]\.hi\(\)/.test(screen(monitor)), "the action in the monitor").catch((e) => { throw new Error(`${e.message}:\n${screen(monitor)}`); });
  const shown = screen(monitor);
  expect(shown).toMatch(/l1\s+echo hi from l1/);
  expect(shown).toMatch(/l2\s+echo hi from l2/);
  expect(shown).toMatch(/Root\.cells\[l1\]\.hi\(\)/);
  expect(shown).toMatch(/└ l1\s+SUCCESS/);
  // Only this terminal's work: another shell's action does not show.
  keys(main!, "new", "Enter");
  await until(() => panes().length === 3, "another shell's pane");
  const other = panes().find((p) => p !== main && p !== monitor)!;
  await until(() => screen(other).includes("Root >"), "the other shell");
  keys(other, "web ping", "Enter");
  await until(() => screen(other).includes("pong"), "the other shell's action");
  keys(other, "C-d");
  await until(() => panes().length === 2, "the other shell to close");
  expect(screen(monitor)).not.toContain("ping");
  keys(monitor, "q");
  await until(() => panes().length === 1, "the monitor to close on a key");
}, 40_000);
