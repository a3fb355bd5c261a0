// The local PTY adapter under both runtimes: the scenarios in test/fixture/pty-probe.ts
// run in-process under Bun (Bun.spawn's terminal) and in a Deno child (node-pty),
// and each row below checks both runs the same way.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { spawnPty, type PtyExit, type PtySpawnOptions } from "../../engine/host/_pty.ts";
import { scenarios, type Observation, type ScenarioName } from "../fixture/pty-probe.ts";

const ROOT = join(import.meta.dir, "..", "..");

/** The output's lines, without the terminal's carriage returns. */
function lines(output: string): string[] {
  return output.split(/\r?\n/).filter((line) => line !== "");
}

const CASES: Array<{ scenario: ScenarioName; says: string; check(seen: Observation): void }> = [
  {
    scenario: "terminal",
    says: "the child's stdin and stdout are a terminal of the requested size",
    check: (seen) => {
      expect(lines(seen.output)).toEqual(["tty", "31 97"]);
      expect(seen.exit).toEqual({ exitCode: 0, signal: null });
    },
  },
  {
    scenario: "input",
    says: "written keystrokes, strings and bytes, reach the child's input",
    check: (seen) => {
      expect(lines(seen.output)).toContain("got:hello");
      expect(seen.exit).toEqual({ exitCode: 0, signal: null });
    },
  },
  {
    scenario: "resize",
    says: "resize sends SIGWINCH and the child reads the new size",
    check: (seen) => {
      expect(lines(seen.output)).toContain("30 100");
      expect(seen.exit).toEqual({ exitCode: null, signal: "SIGHUP" });
    },
  },
  {
    scenario: "environment",
    says: "the child gets exactly the given environment plus TERM and PWD",
    check: (seen) => {
      expect(lines(seen.output)).toEqual(["TERM=xterm-256color FOO=bar baz PWD=/tmp HOME=unset"]);
    },
  },
  {
    scenario: "exitStatus",
    says: "an exit status is reported as exitCode with no signal",
    check: (seen) => expect(seen.exit).toEqual({ exitCode: 3, signal: null }),
  },
  {
    scenario: "killDefault",
    says: "kill() sends SIGHUP and the exit reports that signal with a null exitCode",
    check: (seen) => expect(seen.exit).toEqual({ exitCode: null, signal: "SIGHUP" }),
  },
  {
    scenario: "killTerm",
    says: "kill(\"SIGTERM\") is reported as signal SIGTERM",
    check: (seen) => expect(seen.exit).toEqual({ exitCode: null, signal: "SIGTERM" }),
  },
  {
    scenario: "ctrlC",
    says: "Ctrl-C becomes SIGINT for the foreground process",
    check: (seen) => {
      const ends: PtyExit[] = [{ exitCode: null, signal: "SIGINT" }, { exitCode: 130, signal: null }];
      expect(ends).toContainEqual(seen.exit);
    },
  },
  {
    scenario: "bulkOutput",
    says: "all output has reached onData, in order, when exited resolves",
    check: (seen) => {
      const numbers = lines(seen.output);
      expect(numbers.length).toBe(20000);
      expect(numbers.at(-1)).toBe("20000");
      expect(numbers.every((line, i) => line === String(i + 1))).toBe(true);
      expect(seen.exit).toEqual({ exitCode: 0, signal: null });
    },
  },
];

describe("spawnPty under Bun (Bun.spawn with terminal)", () => {
  for (const { scenario, says, check } of CASES) {
    test(says, async () => check(await scenarios[scenario]()), 30_000);
  }
});

describe("spawnPty under Deno (node-pty), through test/fixture/pty-probe.ts", () => {
  let probe: Promise<Record<string, Observation | { error: string }>> | undefined;
  for (const { scenario, says, check } of CASES) {
    test(says, async () => {
      const seen = (await (probe ??= runDenoProbe()))[scenario];
      if (seen === undefined) throw new Error(`the Deno probe reported nothing for ${scenario}`);
      if ("error" in seen) throw new Error(`under Deno: ${seen.error}`);
      check(seen);
    }, 150_000);
  }
});

describe("spawnPty refuses what neither backend can start", () => {
  const base: PtySpawnOptions = { file: "/bin/true", args: [], cols: 80, rows: 24, env: {}, onData() {} };

  test("a missing program rejects with ENOENT instead of starting a child", async () => {
    await expect(spawnPty({ ...base, file: "/nonexistent/program" })).rejects.toMatchObject({ code: "ENOENT" });
  });

  test("a missing working directory rejects with ENOENT", async () => {
    await expect(spawnPty({ ...base, cwd: "/nonexistent/dir" })).rejects.toMatchObject({ code: "ENOENT" });
  });

  test("a size that is not a positive integer is refused", async () => {
    await expect(spawnPty({ ...base, cols: 0 })).rejects.toThrow(RangeError);
    const pty = await spawnPty(base);
    expect(() => pty.resize(80, -1)).toThrow(RangeError);
    await pty.exited;
  });
});

/** Runs the probe under Deno and returns its one JSON line; hangs end at the probe's own guards or here. */
async function runDenoProbe(): Promise<Record<string, Observation | { error: string }>> {
  const child = Bun.spawn([join(ROOT, "node_modules", ".bin", "deno"), "run", "-A", "test/fixture/pty-probe.ts"], {
    cwd: ROOT,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 140_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`deno run test/fixture/pty-probe.ts exited ${code}:\n${stderr}`);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
}
