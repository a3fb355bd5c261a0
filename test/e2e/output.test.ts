// Where a run's output goes when it is not a terminal (cron mails it, CI logs it, a pipe reads it):
// the binary writes pipes and files itself, so every byte must arrive, in order, whatever the
// reader does.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, project } from "../helpers/deployer.ts";

const COUNT = 200_000;
const deployTs = `import { LocalHost, Node } from "deployer";
class Here extends LocalHost { slug = "here"; }
export default class Root extends Node {
  Hosts = { host: Here };
  async many() { await this.hosts.run("seq 1 ${COUNT}"); return "done"; }
  async mixed() {
    for (let i = 1; i <= 3; i++) {
      await this.hosts.run(\`echo out \${i}\`);
      await this.hosts.run(\`echo err \${i} >&2\`);
    }
    return "done";
  }
  async flag(path: string) { await this.hosts.run("seq 1 ${COUNT}"); await this.hosts.run(\`touch \${path}\`); return "done"; }
}
`;

/** Run `script` with bash, the binary as $D and the project as the working folder; returns stdout and the status. */
function bash(dir: string, script: string): { stdout: string; status: number | null } {
  const result = spawnSync("bash", ["-c", script], { cwd: dir, env: { ...process.env, D: BINARY, NO_COLOR: "1" }, encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`bash -c ${script} exited ${result.status ?? result.signal}: ${result.stderr}`);
  return { stdout: result.stdout, status: result.status };
}

describe("output to pipes and files", () => {
  test("a slow reader of a non-blocking pipe gets every line (nothing queued is lost at exit)", () => {
    const dir = project({ "deploy.ts": deployTs });
    // perl (part of every Debian) sets O_NONBLOCK on the pipe, as some parent processes leave it.
    const { stdout } = bash(dir, `perl -MFcntl -e 'fcntl(STDOUT, F_SETFL, fcntl(STDOUT, F_GETFL, 0) | O_NONBLOCK) or die; exec @ARGV' "$D" run deploy.ts --non-interactive -- many | (sleep 1; cat)`);
    const numbers = stdout.split("\n").filter((line) => /^\d+$/.test(line));
    expect(numbers.length).toBe(COUNT);
    expect(numbers.at(-1)).toBe(String(COUNT));
    expect(stdout.trimEnd().endsWith("done")).toBe(true);
  });

  test("stdout and stderr into one file keep the order the commands wrote them in", () => {
    const dir = project({ "deploy.ts": deployTs });
    bash(dir, `"$D" run deploy.ts --non-interactive -- mixed > out.txt 2>&1 < /dev/null`);
    const text = readFileSync(join(dir, "out.txt"), "utf8");
    const order = text.split("\n").filter((line) => /^(out|err) \d$/.test(line));
    expect(order).toEqual(["out 1", "err 1", "out 2", "err 2", "out 3", "err 3"]);
  });

  test("a reader that leaves early does not stop the run: the action goes on to its end", () => {
    const dir = project({ "deploy.ts": deployTs });
    const { stdout } = bash(dir, `"$D" run deploy.ts --non-interactive -- flag "$PWD/finished" | head -n 2; echo "status \${PIPESTATUS[0]}"; test -e finished && echo finished`);
    expect(stdout).toContain("status 0");
    expect(stdout).toContain("finished");
  });
});
