import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { esc1, esc2, indent, shellQuote } from "../../engine/utils.ts";
import { buildCommand, sweepCommand } from "../../engine/host/_command.ts";
import { EMPTY_CONTEXT, withCd, withEnv, withPrefix } from "../../engine/host/_context.ts";

const HOSTILE = [
  "plain",
  "with space",
  "it's",
  `"double" and 'single'`,
  "$HOME and ${PATH} and $(id) and `id`",
  "back\\slash\\",
  "semi; rm -rf / && echo pwned | cat > x",
  "new\nline",
  "glob * ? [a-z]",
  "",
  "-n",
  "ünïcødé ✓",
];

/** What bash makes of a command line: the printf'd words, one per line, NUL-safe. */
function bash(command: string, cwd?: string): { stdout: string; status: number | null } {
  const result = spawnSync("/bin/bash", ["-c", command], { encoding: "utf8", cwd });
  return { stdout: result.stdout, status: result.status };
}

describe("shell quoting survives a real bash", () => {
  test.each(HOSTILE)("shellQuote(%j) is one literal word", (value) => {
    expect(bash(`printf '%s' ${shellQuote(value)}`).stdout).toBe(value);
  });

  test.each(HOSTILE)("esc1(%j) inside single quotes is literal", (value) => {
    expect(bash(`printf '%s' '${esc1(value)}'`).stdout).toBe(value);
  });

  test.each(HOSTILE)("esc2(%j) inside double quotes is literal", (value) => {
    expect(bash(`printf '%s' "${esc2(value)}"`).stdout).toBe(value);
  });
});

describe("buildCommand", () => {
  test("cd into a directory with hostile characters, then run", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "deployer-q-")), "it's a $dir; `x`");
    spawnSync("mkdir", ["-p", dir]);
    expect(bash(buildCommand("pwd", { sandbox: false, sudo: false, context: withCd(EMPTY_CONTEXT, dir) })).stdout.trim()).toBe(dir);
  });

  test.each(HOSTILE)("an env value %j arrives unchanged", (value) => {
    const command = buildCommand(`printf '%s' "$V"`, { sandbox: false, sudo: false, context: withEnv(EMPTY_CONTEXT, "V", value) });
    expect(bash(command).stdout).toBe(value);
  });

  test("prefixes run before the command, joined with &&", () => {
    const command = buildCommand("echo $A$B", { sandbox: false, sudo: false, context: withPrefix(withPrefix(EMPTY_CONTEXT, "A=1"), "export B=2") });
    expect(bash(command).stdout).toBe("12\n");
  });

  test("sandbox checks the syntax without running", () => {
    const dir = mkdtempSync(join(tmpdir(), "deployer-q-"));
    const ok = bash(buildCommand("touch ran", { sandbox: true, sudo: false }), dir);
    expect(ok.status).toBe(0);
    expect(bash("ls", dir).stdout).toBe("");
    expect(bash(buildCommand("if then fi (", { sandbox: true, sudo: false })).status).not.toBe(0);
  });

  test("sandbox tolerates a working directory that does not exist yet", () => {
    expect(bash(buildCommand("true", { sandbox: true, sudo: false, context: withCd(EMPTY_CONTEXT, "/nonexistent/dir") })).status).toBe(0);
    expect(bash(buildCommand("true", { sandbox: false, sudo: false, context: withCd(EMPTY_CONTEXT, "/nonexistent/dir") })).status).not.toBe(0);
  });

  test("sudo wraps the command with the recognisable prompt; the shell under it first says its process group", () => {
    const command = buildCommand("id -u", { sandbox: false, sudo: true });
    expect(command).toStartWith(`sudo -S -p '[:__enter-sudo-password__:]' bash -c '`);
    expect(command).toEndWith(`; id -u'`);
    expect(buildCommand("id -u", { sandbox: false, sudo: true, user: "bob smith" })).toContain(`-H -u 'bob smith'`);
    // What runs under sudo, here without sudo: the mark first on stderr (the group bash runs in), then the command.
    const inner = spawnSync("bash", ["-c", `exec ${command.replace(/^sudo -S -p \S+ /, "")}`], { encoding: "utf8" });
    const group = /^\x1edeployer-sudo-pgid:(\d+)\x1e$/.exec(inner.stderr)?.[1];
    expect(group).toBeDefined();
    expect(Number(group)).toBe(Number(spawnSync("ps", ["-o", "pgid=", "-p", String(process.pid)], { encoding: "utf8" }).stdout.trim()));
    expect(inner.stdout).toBe(`${process.getuid!()}\n`);
  });

  test("nested cd: relative paths apply inside earlier ones, an absolute one starts over", () => {
    const root = mkdtempSync(join(tmpdir(), "deployer-q-"));
    spawnSync("mkdir", ["-p", join(root, "a b", "c'd")]);
    const pwd = (context: ReturnType<typeof withCd>) => bash(buildCommand("pwd", { sandbox: false, sudo: false, context })).stdout.trim();
    // The outer directory need not exist: only the directory the entries lead to is entered.
    expect(pwd(withCd(withCd(withCd(EMPTY_CONTEXT, "/nonexistent-first"), root), "a b"))).toBe(join(root, "a b"));
    expect(pwd(withCd(withCd(withCd(EMPTY_CONTEXT, root), "a b"), "c'd"))).toBe(join(root, "a b", "c'd"));
    expect(pwd(withCd(withCd(withCd(EMPTY_CONTEXT, root), "a b/c'd"), ".."))).toBe(join(root, "a b"));
  });

  test("cd with expand leaves ~ to the shell and quotes the rest; without it ~ is literal", () => {
    const home = mkdtempSync(join(tmpdir(), "deployer-home-"));
    spawnSync("mkdir", ["-p", join(home, "my dir")]);
    const run = (context: ReturnType<typeof withCd>) => spawnSync("/bin/bash", ["-c", buildCommand("pwd", { sandbox: false, sudo: false, context })], { encoding: "utf8", env: { HOME: home, PATH: "/usr/bin:/bin" } });
    expect(run(withCd(EMPTY_CONTEXT, "~/my dir", true)).stdout.trim()).toBe(join(home, "my dir"));
    expect(run(withCd(EMPTY_CONTEXT, "~", true)).stdout.trim()).toBe(home);
    expect(run(withCd(withCd(EMPTY_CONTEXT, "~", true), "my dir")).stdout.trim()).toBe(join(home, "my dir"));
    expect(run(withCd(EMPTY_CONTEXT, "~/my dir")).status).not.toBe(0);
  });

  test("an env value with escape off is expanded by the shell", () => {
    const command = buildCommand(`printf '%s' "$V"`, { sandbox: false, sudo: false, context: withEnv(EMPTY_CONTEXT, "V", "$HOME/x", false) });
    expect(spawnSync("/bin/bash", ["-c", command], { encoding: "utf8", env: { HOME: "/h" } }).stdout).toBe("/h/x");
  });

  test("a failing prefix stops the command, even one with || in it", () => {
    const command = buildCommand("echo ran || echo fallback", { sandbox: false, sudo: false, context: withPrefix(EMPTY_CONTEXT, "false") });
    const result = bash(command);
    expect(result.stdout).toBe("");
    expect(result.status).not.toBe(0);
  });

  test("env names must be shell identifiers", () => {
    expect(() => withEnv(EMPTY_CONTEXT, "A-B; rm", "x")).toThrow(`env: "A-B; rm" is not a valid variable name`);
  });
});

test("indent prefixes and terminates every line", () => {
  expect(indent("a\nb")).toBe("    a\n    b\n");
  expect(indent("a\n", "> ")).toBe("> a\n");
});

describe("sweepCommand (what is left of a stopped command's process group)", () => {
  /** A group led by a shell that has exited, holding `sleep`s started as `how` (its pgid). */
  function orphanedGroup(how: string): number {
    const out = spawnSync("setsid", ["bash", "-c", `${how}\necho $$`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return Number(out.stdout.trim());
  }
  /** The live processes of group `pgid` (a zombie is dead, waiting for its new parent to reap it). */
  const members = (pgid: number) => spawnSync("pgrep", ["-g", String(pgid)], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean)
    .filter((pid) => { try { return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8")); } catch { return false; } });

  test("ends at once when the group is empty", () => {
    const pgid = orphanedGroup("true");
    const started = Date.now();
    expect(bash(sweepCommand(pgid)).status).toBe(0);
    expect(Date.now() - started).toBeLessThan(900); // no 1 s wait: kill -TERM found nobody
  });

  test("stops a process deaf to SIGINT with SIGTERM, and one deaf to SIGTERM too with SIGKILL", () => {
    const pgid = orphanedGroup("(trap '' INT; exec sleep 300) >/dev/null 2>&1 & (trap '' INT TERM; sleep 301) >/dev/null 2>&1 &");
    expect(members(pgid).length).toBeGreaterThanOrEqual(2);
    expect(bash(sweepCommand(pgid)).status).toBe(0);
    expect(members(pgid)).toEqual([]);
  });

  test("refuses what is not a process group", () => {
    for (const bad of [0, 1, -5, 1.5, Number.NaN]) expect(() => sweepCommand(bad)).toThrow(RangeError);
  });
});
