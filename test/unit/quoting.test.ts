import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { esc1, esc2, indent, shellQuote } from "../../engine/utils.ts";
import { buildCommand } from "../../engine/host/_command.ts";

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
    expect(bash(buildCommand("pwd", { sandbox: false, sudo: false, cwd: dir })).stdout.trim()).toBe(dir);
  });

  test.each(HOSTILE)("an env value %j arrives unchanged", (value) => {
    const command = buildCommand(`printf '%s' "$V"`, { sandbox: false, sudo: false, env: [["V", value]] });
    expect(bash(command).stdout).toBe(value);
  });

  test("prefixes run before the command, joined with &&", () => {
    const command = buildCommand("echo $A$B", { sandbox: false, sudo: false, prefixes: ["A=1", "export B=2"] });
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
    expect(bash(buildCommand("true", { sandbox: true, sudo: false, cwd: "/nonexistent/dir" })).status).toBe(0);
    expect(bash(buildCommand("true", { sandbox: false, sudo: false, cwd: "/nonexistent/dir" })).status).not.toBe(0);
  });

  test("sudo wraps the command with the recognisable prompt", () => {
    expect(buildCommand("id -u", { sandbox: false, sudo: true })).toBe(`sudo -S -p '[:__enter-sudo-password__:]' bash -c 'id -u'`);
    expect(buildCommand("id -u", { sandbox: false, sudo: true, user: "bob smith" })).toContain(`-u 'bob smith'`);
  });
});

test("indent prefixes and terminates every line", () => {
  expect(indent("a\nb")).toBe("    a\n    b\n");
  expect(indent("a\n", "> ")).toBe("> a\n");
});
