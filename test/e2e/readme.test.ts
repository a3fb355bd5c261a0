import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, deployer, lines, project } from "../helpers/deployer.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

/** The fenced code blocks of the README in `language`. */
function blocks(language: string): string[] {
  return [...readme.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

test("the README's tutorial deploy.ts runs its local action as the README says", () => {
  const tutorial = blocks("ts").find((block) => block.startsWith("// deploy.ts"));
  expect(tutorial).toBeDefined();
  const run = deployer(["run", "deploy.ts", "--non-interactive", "--", "local_hello", "hello"], { cwd: project({ "deploy.ts": tutorial! }) });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(lines(run.stdout)).toEqual(["           localhost echo hello world", "hello world"]);
});

test("the README's first screen gives exactly the two commands, and the demo output it shows is what the demo prints", () => {
  const [quickStart] = blocks("sh");
  expect(quickStart!.split("\n").filter((line) => line.trim() && !line.startsWith("#")).map((line) => line.split("#")[0]!.trim()))
    .toEqual(["npm ci && npm run demo", "npm test"]);
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  expect(pkg.scripts.demo).toContain("run examples/hello.ts --non-interactive -- local_hello hello");
  const shown = readme.split("`npm run demo` prints the command it runs and its output:")[1]!.split("```")[1]!.replace(/^\n+|\n+$/g, "").split("\n");
  const run = deployer(["run", "examples/hello.ts", "--non-interactive", "--", "local_hello", "hello"]);
  expect(lines(run.stdout)).toEqual(shown);
});

test("the README's parallel tutorial runs its action on every web host and returns each result", () => {
  const tutorial = blocks("ts").find((block) => block.startsWith("// parallel.ts"));
  expect(tutorial).toBeDefined();
  const run = deployer(["run", "parallel.ts", "--non-interactive", "--", "web", "check"], { cwd: project({ "parallel.ts": tutorial! }) });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/\{ web1: 'web1: load [\d.]+', web2: 'web2: load [\d.]+' \}/);
});

test("the README's shell transcript is what the shell shows", async () => {
  const { onScreen } = await import("../helpers/screen.ts");
  const transcript = readme.split("`examples/roles.ts`:")[1]!.split("```")[1]!.replace(/^\n/, "").trimEnd().split("\n");
  const typed = transcript.filter((line) => /^RootNode[^>]* > \S/.test(line) && !line.includes("<Tab>")).map((line) => line.replace(/^RootNode[^>]* > /, ""));
  const shown = transcript.filter((line) => !line.startsWith("$ ") && !line.includes("<Tab>") && !/^RootNode[^>]* > /.test(line) && !/^[. /]+\.\.\s/.test(line));
  const state = mkdtempSync(join(tmpdir(), "deployer-readme-"));
  const screen = await onScreen(["run", "examples/roles.ts"], { cwd: ROOT, env: { XDG_STATE_HOME: state, NO_COLOR: "1" }, rows: 60, cols: 200 });
  await screen.waitForLast("RootNode > ");
  for (const command of typed) {
    if (command === "exit") break;
    const before = screen.lines().length;
    screen.type(`${command}\r`);
    await screen.waitFor(`> ${command}`);
    while (screen.lines().length <= before) await new Promise((resolve) => setTimeout(resolve, 20));
    await screen.waitForLast(/^RootNode.* > $/);
  }
  const text = screen.lines().join("\n");
  for (const line of shown) expect(text).toContain(line);
  screen.type("exit\r");
  expect((await screen.exited).exitCode).toBe(0);
}, 30_000);
