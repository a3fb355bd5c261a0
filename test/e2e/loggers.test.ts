// start(Root, { extraLoggers }): the script's own loggers, attached in every run mode.
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployer, lines, project } from "../helpers/deployer.ts";

const DEPLOY = `import { Node, LocalHost, TraceLogger, TracePrinter, IndentedDefaultLogger, OnHostLogger, start } from "deployer";
import { writeFileSync } from "node:fs";

const trace = new TraceLogger();

class Root extends Node {
  Hosts = { host: [LocalHost] };
  async deploy(version: string) {
    await this.hosts.run(\`echo deploying \${version}\`);
    await this.restart();
    const file = await this.host_file();
    return new TracePrinter(trace.trace).print();
  }
  async restart() {
    await this.hosts.sudo("true", { ignoreExitStatus: true, interactive: false }).catch(() => undefined);
    await this.hosts.run("echo restarted");
  }
  async host_file() {
    for (const host of this.hosts) await host.putFile(process.env.DEPLOY_SOURCE!, process.env.DEPLOY_TARGET!);
  }
}

start(Root, { extraLoggers: [trace, new IndentedDefaultLogger(process.stderr), new OnHostLogger("tester")] });
`;

test("start(Root) names the root and attaches the trace, indented and on-host loggers", () => {
  const dir = project({ "deploy.ts": DEPLOY, "source.txt": "payload\n" });
  const home = mkdtempSync(join(tmpdir(), "deployer-home-"));
  const result = deployer(["run", "deploy.ts", "--non-interactive", "--", "deploy", "v2"], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", HOME: home, DEPLOY_SOURCE: join(dir, "source.txt"), DEPLOY_TARGET: join(dir, "target.txt") },
  });
  // Nothing on stderr but the indented log.
  expect(result.stderr.split("\n").filter((l) => !/^[│├]/.test(l) && l !== "")).toEqual([]);
  expect(result.status).toBe(0);
  // The trace: the action, its command, the nested action, the copied file.
  const out = result.stdout;
  expect(out).toContain("Root.deploy('v2')");
  expect(out).toContain("command: echo deploying v2,\n     status_code: 0");
  expect(out).toMatch(/Root\.restart\(\)\n\s+\[\n[\s\S]*command: echo restarted/);
  expect(out).toMatch(/open\{\n\s+host: localhost,\n\s+sudo: false,\n\s+mode: put,\n\s+local: .*source\.txt,\n\s+remote: .*target\.txt,\n\s+succeeded: true/);
  // The indented log on stderr: one level per action.
  const indented = lines(result.stderr);
  expect(indented.some((l) => /^│ ├ localhost\s+echo deploying v2$/.test(l))).toBe(true);
  expect(indented.some((l) => /^│ │ ├ localhost\s+echo restarted$/.test(l))).toBe(true);
  // The host's own history of what ran there, with who ran it.
  const history = lines(readFileSync(join(home, ".deployer", "history"), "utf8"));
  expect(history.some((l) => /\| tester \| echo deploying v2$/.test(l))).toBe(true);
  expect(history.some((l) => l.endsWith("| echo restarted"))).toBe(true);
  expect(readFileSync(join(dir, "target.txt"), "utf8")).toBe("payload\n");
}, 30_000);

test("start() outside the CLI says how to run the script", async () => {
  const { start, Node } = await import("../../engine/index.ts");
  expect(() => start(class extends Node {})).toThrow("run this script with `deployer run FILE`");
});
