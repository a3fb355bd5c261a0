import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import {
  IndentedDefaultLogger, LoggerInterface, OnHostLogger, TraceLogger, TracePrinter, type HostHandle, type LogScope,
  type Logger, type RunEntry, type TraceGroup, type TraceRun,
} from "../../engine/loggers/index.ts";

const run = (host: string, command: string, extra: Partial<RunEntry> = {}): RunEntry =>
  ({ host, command, useSudo: false, sandbox: false, ...extra });

/** An Output that keeps what was written. */
function capture(): { write(data: string | Uint8Array): void; text(): string } {
  let text = "";
  return { write: (data) => { text += typeof data === "string" ? data : new TextDecoder().decode(data); }, text: () => text };
}

/** A promise and its resolver, to force two branches to interleave. */
function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

/**
 * Two concurrent branches under `deploy`: each enters its own group, waits until the other has
 * entered too, then logs a command. A shared push/pop stack would put both commands in whichever
 * group was entered last.
 */
async function twoBranches(loggers: LoggerInterface): Promise<void> {
  const aEntered = deferred();
  const bEntered = deferred();
  const branch = (name: string, mine: ReturnType<typeof deferred>, other: ReturnType<typeof deferred>) =>
    loggers.group(name, [name], async () => {
      mine.resolve();
      await other.promise;
      loggers.logRun(run(`${name}-host`, `echo ${name}`)).complete(true, { exitCode: 0, signal: null, durationMs: 1 });
    });
  await loggers.group("deploy", [], () => Promise.all([branch("a", aEntered, bEntered), branch("b", bEntered, aEntered)]));
}

describe("LoggerInterface", () => {
  test("scopes nest per async branch, with depth counting the enclosing groups", async () => {
    const loggers = new LoggerInterface();
    const seen: Record<string, LogScope | undefined> = {};
    expect(loggers.currentScope).toBeUndefined();
    await loggers.group("outer", [1], async () => {
      await Promise.all(["x", "y"].map((name) => loggers.group(name, [], async () => {
        await Promise.resolve();
        seen[name] = loggers.currentScope;
      })));
    });
    expect(seen.x?.name).toBe("x");
    expect(seen.y?.name).toBe("y");
    expect(seen.x?.depth).toBe(2);
    expect(seen.x?.parent?.name).toBe("outer");
    expect(seen.x?.parent?.depth).toBe(1);
    expect(seen.x?.id).not.toBe(seen.y?.id);
    expect(loggers.currentScope).toBeUndefined();
  });

  test("logRun gives the entry the caller's scope without changing the caller's object", async () => {
    const entries: RunEntry[] = [];
    const loggers = new LoggerInterface([{ logRun: (entry) => { entries.push(entry); } }]);
    const entry = run("h", "ls");
    await loggers.group("g", [], async () => { loggers.logRun(entry); });
    expect(entries[0]?.scope?.name).toBe("g");
    expect(entry.scope).toBeUndefined();
  });

  test("a logger that throws does not break the run or the other loggers", async () => {
    const broken: Logger = {
      enterGroup: () => { throw new Error("enter"); },
      leaveGroup: () => { throw new Error("leave"); },
      logRun: () => { throw new Error("run"); },
      logFileOpened: () => () => { throw new Error("file closed"); },
      logMsg: () => { throw new Error("msg"); },
      logException: () => { throw new Error("exception"); },
      settled: () => Promise.reject(new Error("settled")),
    };
    const trace = new TraceLogger();
    const messages: string[] = [];
    const loggers = new LoggerInterface([broken, trace, { logMsg: (m) => { messages.push(m); } }]);
    const value = await loggers.group("g", [], async () => {
      loggers.logRun(run("h", "ls")).complete(true, { exitCode: 0, signal: null, durationMs: 1 });
      loggers.logFile({ host: "h", mode: "w", remotePath: "/tmp/x", useSudo: false, sandbox: false }).complete(true);
      loggers.logMsg("hello");
      loggers.logException(new Error("boom"));
      return 42;
    });
    await loggers.settled();
    expect(value).toBe(42);
    expect(messages).toEqual(["hello"]);
    const group = trace.firstTrace as TraceGroup;
    expect(group.items.map((i) => i.kind)).toEqual(["run", "file"]);
    expect((group.items[1] as { succeeded?: boolean }).succeeded).toBe(true);
  });

  test("attachInBlock attaches a logger only while the block runs, even when it throws", async () => {
    const loggers = new LoggerInterface();
    const trace = new TraceLogger();
    await expect(loggers.attachInBlock(trace, async () => {
      loggers.logRun(run("h", "inside"));
      throw new Error("fails");
    })).rejects.toThrow("fails");
    loggers.logRun(run("h", "after"));
    expect(trace.traces.map((t) => (t as TraceRun).command)).toEqual(["inside"]);
  });

  test("complete is passed on once, however often it is called", () => {
    const calls: boolean[] = [];
    const loggers = new LoggerInterface([{ logRun: () => (ok) => { calls.push(ok); } }]);
    const entry = loggers.logRun(run("h", "ls"));
    entry.complete(true);
    entry.complete(false);
    expect(calls).toEqual([true]);
  });
});

describe("TraceLogger", () => {
  test("concurrent branches each record their command under their own group", async () => {
    const trace = new TraceLogger();
    await twoBranches(new LoggerInterface([trace]));
    const deploy = trace.firstTrace as TraceGroup;
    expect(deploy.name).toBe("deploy");
    const groups = deploy.items as TraceGroup[];
    expect(groups.map((g) => g.name)).toEqual(["a", "b"]);
    for (const group of groups) {
      expect(group.items).toEqual([
        { kind: "run", host: `${group.name}-host`, command: `echo ${group.name}`, useSudo: false, sandbox: false, succeeded: true, exitCode: 0 },
      ]);
    }
  });

  test("events outside any group go to the root", () => {
    const trace = new TraceLogger();
    new LoggerInterface([trace]).logRun(run("h", "ls"));
    expect(trace.trace.name).toBe("root");
    expect(trace.traces).toHaveLength(1);
    expect((trace.firstTrace as TraceRun).succeeded).toBeUndefined();
  });
});

describe("TracePrinter", () => {
  async function smallTrace(): Promise<TraceLogger> {
    const trace = new TraceLogger();
    const loggers = new LoggerInterface([trace]);
    await loggers.group("Root.deploy", ["web", 2], async () => {
      loggers.logRun(run("web1", "apt-get update", { useSudo: true })).complete(true, { exitCode: 0, signal: null, durationMs: 5 });
      await loggers.group("Root.app.restart", [], async () => {
        loggers.logRun(run("web1", "echo 'a'\nfalse", { sandbox: true })).complete(false, { exitCode: 1, signal: null, durationMs: 5 });
      });
      loggers.logFile({ host: "web1", mode: "w", remotePath: "/etc/app.conf", useSudo: false, sandbox: false }).complete(true);
      loggers.logRun(run("web2", "uptime"));
    });
    return trace;
  }

  const expected = `root()
[
  Root.deploy('web', 2)
  [
    run{
     host: web1,
     sudo: true,
     command: apt-get update,
     status_code: 0
    }
    Root.app.restart()
    [
      sandbox{
       host: web1,
       sudo: false,
       command: echo 'a'\\nfalse,
       status_code: 1
      }
    ]
    open{
     host: web1,
     sudo: false,
     mode: w,
     remote: /etc/app.conf,
     succeeded: true
    }
    run{
     host: web2,
     sudo: false,
     command: uptime,
     status_code: unknown
    }
  ]
]`;

  test("prints the tree as nested blocks of groups, runs and files", async () => {
    expect(new TracePrinter((await smallTrace()).trace).print()).toBe(expected);
  });

  test("with color, prints the same text with ANSI styles around it", async () => {
    const colored = new TracePrinter((await smallTrace()).trace).print({ color: true });
    expect(colored).toContain("\x1b[");
    expect(colored.replace(/\x1b\[[0-9;]*m/g, "")).toBe(expected);
  });

  test("an empty group prints as a call without a block", () => {
    expect(new TracePrinter({ kind: "group", name: "root", args: [], items: [] }).print()).toBe("root()");
  });
});

describe("IndentedDefaultLogger", () => {
  test("prints groups, commands and their outcomes as a plain-text tree", async () => {
    const out = capture();
    const loggers = new LoggerInterface([new IndentedDefaultLogger(out)]);
    await loggers.group("Root.deploy", ["x"], async () => {
      loggers.logRun(run("web1", "ls\n-l", { useSudo: true })).complete(true, { exitCode: 0, signal: null, durationMs: 1 });
      loggers.logRun(run("web2", "x".repeat(90), { sandbox: true })).complete(false, { exitCode: 2, signal: null, durationMs: 1 });
      loggers.logMsg("note");
    });
    const pad = (s: string) => s.padEnd(40);
    expect(out.text()).toBe([
      "├ Root.deploy('x')",
      `│ ├ ${pad("web1")}           (sudo) ls\\n-l`,
      `│ └ ${pad("web1")} SUCCESS`,
      `│ ├ ${pad("web2")} (sandbox)        ${"x".repeat(80)}...`,
      `│ └ ${pad("web2")} FAILED (exit status 2)`,
      "│ ├ note",
      "",
    ].join("\n"));
  });

  test("indents each concurrent branch's command by its own depth", async () => {
    const out = capture();
    await twoBranches(new LoggerInterface([new IndentedDefaultLogger(out)]));
    const lines = out.text().split("\n");
    for (const name of ["a", "b"]) {
      expect(lines).toContain(`│ ├ ${name}('${name}')`);
      expect(lines.find((l) => l.endsWith(`echo ${name}`))).toStartWith(`│ │ ├ ${name}-host `);
    }
  });

  test("with color, the tree prefix is red and the text otherwise the same", async () => {
    const out = capture();
    const loggers = new LoggerInterface([new IndentedDefaultLogger(out, { color: true })]);
    await loggers.group("g", [], async () => { loggers.logRun(run("h", "ls")).complete(true); });
    expect(out.text()).toContain("\x1b[31m│ ├ \x1b[39m");
    expect(out.text().replace(/\x1b\[[0-9;]*m/g, "")).toBe(`├ g()\n│ ├ ${"h".padEnd(40)}                  ls\n│ └ ${"h".padEnd(40)} SUCCESS\n`);
  });
});

describe("OnHostLogger", () => {
  /** A host handle that records the commands it is asked to run. */
  function fakeHost(): HostHandle & { commands: string[]; options: unknown[] } {
    const commands: string[] = [];
    const options: unknown[] = [];
    return { commands, options, run: async (command, opts) => { commands.push(command); options.push(opts); return ""; } };
  }

  const HOSTILE = [
    "echo hello",
    `echo "it's" $(id -u) \`whoami\` $HOME; touch /tmp/pwned-by-history`,
  ];

  test.each(HOSTILE)("writes a history line holding the command %j literally", async (command) => {
    const host = fakeHost();
    const logger = new OnHostLogger("alice");
    const loggers = new LoggerInterface([logger]);
    loggers.logRun(run("web1", command, { useSudo: true, hostHandle: host })).complete(true);
    await loggers.settled();
    expect(host.commands).toHaveLength(1);
    expect(host.options).toEqual([{ silent: true, interactive: false, ignoreExitStatus: true }]);

    const home = mkdtempSync(join(tmpdir(), "deployer-history-"));
    const result = spawnSync("/bin/bash", ["-c", host.commands[0]!], { encoding: "utf8", env: { ...process.env, HOME: home } });
    expect(result.status).toBe(0);
    const lines = readFileSync(join(home, ".deployer", "history"), "utf8").split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe("");
    const fields = lines[0]!.split(" | ");
    expect(fields[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(fields.slice(1, 4)).toEqual(["sudo", hostname(), "alice"]);
    expect(fields.slice(4).join(" | ")).toBe(command);
  });

  test("appends one line per command, with blanks instead of sudo", async () => {
    const host = fakeHost();
    const loggers = new LoggerInterface([new OnHostLogger("bob")]);
    loggers.logRun(run("web1", "first", { hostHandle: host }));
    loggers.logRun(run("web1", "second\nline", { hostHandle: host }));
    await loggers.settled();
    const home = mkdtempSync(join(tmpdir(), "deployer-history-"));
    for (const command of host.commands) spawnSync("/bin/bash", ["-c", command], { env: { ...process.env, HOME: home } });
    const lines = readFileSync(join(home, ".deployer", "history"), "utf8").trimEnd().split("\n");
    expect(lines.map((l) => l.split(" | ").slice(1).join(" | "))).toEqual([
      `     | ${hostname()} | bob | first`,
      `     | ${hostname()} | bob | second\\nline`,
    ]);
  });

  test("skips sandboxed commands and commands without a host handle", async () => {
    const host = fakeHost();
    const loggers = new LoggerInterface([new OnHostLogger("alice")]);
    loggers.logRun(run("web1", "ls", { sandbox: true, hostHandle: host }));
    loggers.logRun(run("web1", "ls"));
    await loggers.settled();
    expect(host.commands).toEqual([]);
  });

  test("a failing history write is ignored", async () => {
    const host: HostHandle = { run: () => Promise.reject(new Error("connection lost")) };
    const throwing: HostHandle = { run: () => { throw new Error("sync"); } };
    const loggers = new LoggerInterface([new OnHostLogger("alice")]);
    loggers.logRun(run("web1", "ls", { hostHandle: host })).complete(true);
    loggers.logRun(run("web1", "ls", { hostHandle: throwing })).complete(true);
    await loggers.settled();
  });
});
