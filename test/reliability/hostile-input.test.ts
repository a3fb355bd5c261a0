// Hostile strings (quotes, $(), backticks, newlines, globs, leading dashes, long lines, NUL and
// non-UTF-8 bytes) through the quoting functions, the command builder, a real bash, the fixture's
// sshd, the file API of both hosts, the CLI and the interactive shell: they arrive unchanged, or
// they are refused with an error that names the problem (never truncated in silence).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { esc1, esc2, LocalHost, shellQuote, SSHHost, type Host } from "../../engine/index.ts";
import { buildCommand } from "../../engine/host/_command.ts";
import { EMPTY_CONTEXT, withCd, withEnv, withPrefix } from "../../engine/host/_context.ts";
import { loadFixture } from "../fixture/sshd.ts";
import { deployer } from "../helpers/deployer.ts";
import { onScreen } from "../helpers/screen.ts";

const fixture = loadFixture();
const home = `/home/${fixture.username}`;
const userId = Number(spawnSync("id", ["-u", fixture.username], { encoding: "utf8" }).stdout.trim());

/** Values a user may hand to a command: each must reach the command as one unchanged word. */
const HOSTILE: string[] = [
  "it's", `"double" and 'single'`, "$(touch /tmp/deployer-pwned)", "`touch /tmp/deployer-pwned`",
  "$HOME ${PATH} $1 $@ $$", "back\\slash\\", "\\'", "new\nline", "trailing newline\n\n", "\n",
  "!! !$ !-1 history", "* ? [a-z] {a,b} ~ ~root", "-n", "--help", "-e \\n", "\t tab and \r carriage",
  "semi; rm -rf / && echo pwned | cat > x", "\x01\x1b[31m control \x7f", " spaces around ", "",
  "ünïcødé ✓ 日本 🚀", "\xff\xfe latin-1 characters", "'", '"', "\\", "$", "`",
  "x".repeat(30_000),
];

/** What bash prints for `script`, read from standard input (no argv limit, so a 1 MB line fits). */
function bashStdin(script: string): string {
  const result = spawnSync("/bin/bash", ["-s"], { input: script, encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`bash failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** What bash prints for the command line `command`, given to it with -c as a host gives it. */
function bashC(command: string): string {
  const result = spawnSync("/bin/bash", ["-c", command], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`bash failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** "same", or where `actual` first differs from `expected` (short, even for a 1 MB string). */
function compare(actual: string, expected: string): string {
  if (actual === expected) return "same";
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const near = (s: string) => JSON.stringify(s.slice(Math.max(0, at - 20), at + 20));
  return `differs at offset ${at} (lengths ${actual.length} and ${expected.length}): ${near(actual)} instead of ${near(expected)}`;
}

/** What `fn` throws (or resolves to "no error"), cut short, so a failure never prints a megabyte. */
async function errorOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return "no error";
  } catch (error) {
    return String(error instanceof Error ? error.message : error).slice(0, 400);
  }
}

describe("quoting a hostile string for a real bash", () => {
  const long = `a 1 MB line: ${"$(x) 'q' \"d\" `b` \\ ".repeat(45_000)}`;
  test.each([...HOSTILE, long].map((v) => [JSON.stringify(v).slice(0, 40), v]))("%s comes out of shellQuote, esc1 and esc2 unchanged", (_, value) => {
    expect(compare(bashStdin(`printf '%s' ${shellQuote(value)}`), value)).toBe("same");
    expect(compare(bashStdin(`printf '%s' '${esc1(value)}'`), value)).toBe("same");
    expect(compare(bashStdin(`printf '%s' "${esc2(value)}"`), value)).toBe("same");
  });

  test("nothing in a quoted string runs", () => {
    rmSync("/tmp/deployer-pwned", { force: true });
    for (const value of HOSTILE) bashStdin(`: ${shellQuote(value)} '${esc1(value)}' "${esc2(value)}"`);
    expect(existsSync("/tmp/deployer-pwned")).toBe(false);
  });

  test.each([["shellQuote", shellQuote], ["esc1", esc1], ["esc2", esc2]] as const)("%s refuses a NUL byte, saying so, instead of letting bash cut the string there", async (_, quote) => {
    expect(await errorOf(() => quote("before\0after"))).toMatch(/NUL byte/);
  });
});

describe("the command builder in every context, through a real bash", () => {
  const dir = mkdtempSync(join(tmpdir(), "deployer-hostile-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(HOSTILE.map((v) => [JSON.stringify(v).slice(0, 40), v]))("%s as the command's word, an env value, a prefix's word and a directory name", (_, value) => {
    const sub = join(dir, `d-${value.slice(0, 200)}`.replaceAll("/", "_"));
    mkdirSync(sub, { recursive: true });
    let context = withCd(EMPTY_CONTEXT, sub);
    context = withEnv(context, "V", value);
    context = withPrefix(context, `export P=${shellQuote(value)}`);
    const command = `printf '%s|%s|%s|%s' ${shellQuote(value)} "$V" "$P" "$PWD"`;
    const expected = `${value}|${value}|${value}|${sub}`;
    expect(compare(bashC(buildCommand(command, { sandbox: false, sudo: false, context })), expected)).toBe("same");
    // Under sudo (the tests run as root, so it asks no password) the words arrive through the nested bash -c.
    expect(compare(bashC(buildCommand(command, { sandbox: false, sudo: true, context })), expected)).toBe("same");
    // The sandbox only checks the syntax, and accepts it.
    expect(bashC(buildCommand(command, { sandbox: true, sudo: false, context }))).toBe("");
  });

  test("a NUL byte anywhere in the command or its context is refused, naming the NUL byte", async () => {
    const ok = { sandbox: false, sudo: false };
    expect(await errorOf(() => buildCommand("echo a\0b", ok))).toMatch(/NUL byte/);
    expect(await errorOf(() => buildCommand("true", { ...ok, context: withCd(EMPTY_CONTEXT, "/tmp/a\0b") }))).toMatch(/NUL byte/);
    expect(await errorOf(() => buildCommand("true", { ...ok, context: withEnv(EMPTY_CONTEXT, "V", "a\0b") }))).toMatch(/NUL byte/);
    expect(await errorOf(() => buildCommand("true", { ...ok, context: withPrefix(EMPTY_CONTEXT, "echo a\0b") }))).toMatch(/NUL byte/);
    expect(await errorOf(() => buildCommand("true", { ...ok, sudo: true, user: "ro\0ot" }))).toMatch(/NUL byte/);
  });

  test("a command longer than one argument may be is refused, saying how long it is and what to do instead", async () => {
    expect(await errorOf(() => buildCommand(`echo ${"x".repeat(1_000_000)}`, { sandbox: false, sudo: false }))).toMatch(/1000005 bytes.*at most 131071 bytes/s);
    // Just under the limit still runs.
    const value = "y".repeat(131_000);
    expect(compare(bashC(buildCommand(`printf '%s' ${value}`, { sandbox: false, sudo: false })), value)).toBe("same");
  });

  test("a string that is not valid Unicode (a lone surrogate) is refused rather than sent as U+FFFD", async () => {
    expect(await errorOf(() => buildCommand("echo \ud800", { sandbox: false, sudo: false }))).toMatch(/not valid Unicode/);
  });
});

// Hosts: LocalHost, and SSHHost against the fixture's sshd (the same machine, another user).

class FixtureHost extends SSHHost {
  slug = fixture.hosts[0]!.slug;
  address = fixture.hosts[0]!.address;
  port = fixture.hosts[0]!.port;
  username = fixture.username;
  keyFilename = fixture.clientKey;
  knownHostsFilename = fixture.knownHosts;
  password = fixture.password;
}

const hosts: Array<[string, () => Host, () => string]> = [
  ["LocalHost", () => new LocalHost(), () => mkdtempSync(join(tmpdir(), "deployer-hostile-local-"))],
  ["SSHHost", () => new FixtureHost(), () => {
    const dir = join(home, `deployer-hostile-${randomBytes(6).toString("hex")}`);
    mkdirSync(dir);
    chownSync(dir, userId, userId);
    return dir;
  }],
];

/** File names a deployment may meet: each must work as a path in every file operation. */
const NAMES = [
  "it's", `"dq"`, "$(touch pwned)", "`id`", "back\\slash", "new\nline", "ends with newline\n", "!bang",
  "*", "[a-z]", "-leading-dash", " space ", "ünï ✓ 🚀", "tab\there", "~tilde", "a".repeat(200),
];

/** Every byte value, invalid UTF-8, NUL bytes, and a 1 MB line without a newline. */
const BYTES = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x00]),
  Buffer.alloc(1 << 20, "z"),
]);

describe.each(hosts)("%s with hostile input", (_, makeHost, makeDir) => {
  let host: Host;
  let dir: string;
  const local = mkdtempSync(join(tmpdir(), "deployer-hostile-src-"));
  chmodSync(local, 0o755);
  writeFileSync(join(local, "src"), BYTES);

  beforeAll(() => {
    host = makeHost();
    dir = makeDir();
  });
  afterAll(async () => {
    await host?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(local, { recursive: true, force: true });
  });

  test("run: every hostile word reaches the command unchanged, in cd, env and prefix contexts too", async () => {
    for (const value of HOSTILE) {
      expect(compare(await host.run(`printf '%s' ${shellQuote(value)}`, { interactive: false }), value)).toBe("same");
      const sub = join(dir, `cd-${value.slice(0, 100).replaceAll("/", "_")}`);
      await host.run(`mkdir -p -- ${shellQuote(sub)}`, { interactive: false });
      const out = await host.cd(sub, () => host.env("V", value, () => host.prefix(`export P=${shellQuote(value)}`, () =>
        host.run(`printf '%s|%s|%s' "$V" "$P" "$PWD"`, { interactive: false }))));
      expect(compare(out, `${value}|${value}|${sub}`)).toBe("same");
    }
  }, 120_000);

  test("sudo as another user: the words arrive unchanged through sudo's bash -c", async () => {
    for (const value of HOSTILE.filter((v) => v.length < 1000)) {
      expect(compare(await host.sudo(`printf '%s' ${shellQuote(value)}`, { interactive: false, user: fixture.username }), value)).toBe("same");
    }
  }, 120_000);

  test("run refuses a NUL byte and an over-long command with a clear error, and the host still works", async () => {
    expect(await errorOf(() => host.run("echo a\0b", { interactive: false }))).toMatch(/NUL byte/);
    expect(await errorOf(() => host.run(`printf %s ${"x".repeat(1_000_000)} | wc -c`, { interactive: false }))).toMatch(/at most 131071 bytes/);
    expect(await host.run("echo still fine", { interactive: false })).toBe("still fine\n");
  });

  test("file operations refuse a path with a NUL byte, naming it, and the host still works", async () => {
    for (const op of [
      () => host.exists(`${dir}/a\0b`),
      () => host.open(`${dir}/a\0b`, "wb"),
      () => host.putFile(join(local, "src"), `${dir}/a\0b`),
      () => host.getFile(`${dir}/a\0b`, join(local, "never")),
      () => host.listdir(`${dir}/a\0b`),
      () => host.stat(`${dir}/a\0b`),
    ]) expect(await errorOf(op)).toMatch(/NUL byte/);
    expect(await host.exists(dir)).toBe(true);
  });

  test("hostile file names work in putFile, getFile, open, exists, stat, listdir and cd, and contents round-trip byte for byte", async () => {
    for (const name of NAMES) {
      const path = `${dir}/${name}`;
      await host.putFile(join(local, "src"), path, { onProgress: () => {} });
      expect(await host.exists(path)).toBe(true);
      expect((await host.stat(path)).stSize).toBe(BYTES.length);
      expect(await host.listdir(dir)).toContain(name);
      const back = join(local, `back-${randomBytes(4).toString("hex")}`);
      await host.getFile(path, back, { onProgress: () => {} });
      expect(readFileSync(back).equals(BYTES)).toBe(true);
      // Relative to a cd: the name as a path of its own.
      const read = await host.cd(dir, async () => (await host.open(name, "rb")).read());
      expect(Buffer.from(read as Uint8Array).equals(BYTES)).toBe(true);
      const file = await host.open(path, "ab");
      await file.write(new Uint8Array([0, 0xff, 0x0a]));
      await file.close();
      expect(Buffer.from(await (await host.open(path, "rb")).read() as Uint8Array).equals(Buffer.concat([BYTES, Buffer.from([0, 0xff, 0x0a])]))).toBe(true);
    }
  }, 300_000);

  test("with sudo, hostile names round-trip too (the sudo scripts quote every path)", async () => {
    const sudoDir = `${dir}/sudo dir\n$(x)\n`;
    await host.run(`mkdir -- ${shellQuote(sudoDir)}`, { interactive: false });
    for (const name of NAMES) {
      const path = `${sudoDir}/${name}`;
      await host.putFile(join(local, "src"), path, { useSudo: true, onProgress: () => {} });
      expect(await host.exists(path, { useSudo: true })).toBe(true);
      const back = join(local, `back-${randomBytes(4).toString("hex")}`);
      await host.getFile(path, back, { useSudo: true, onProgress: () => {} });
      expect(readFileSync(back).equals(BYTES)).toBe(true);
      const file = await host.open(path, "w", { useSudo: true });
      await file.write("text\0with NUL\n");
      await file.close();
      expect(await (await host.open(path, "r", { useSudo: true })).read()).toBe("text\0with NUL\n");
    }
  }, 300_000);

  test("writing through a symbolic link whose target's name has newlines replaces that target", async () => {
    const target = `${dir}/target\nwith\nnewlines`;
    await host.run(`printf old > ${shellQuote(target)} && ln -s -- ${shellQuote(target)} ${shellQuote(`${dir}/link`)}`, { interactive: false });
    const file = await host.open(`${dir}/link`, "w");
    await file.write("new");
    await file.close();
    expect(await host.run(`cat -- ${shellQuote(target)}; test -L ${shellQuote(`${dir}/link`)} && echo " still a link"`, { interactive: false })).toBe("new still a link\n");
  });
});

describe("action arguments", () => {
  // Arguments an action may get from a user: from the command line as argv, from the shell as
  // quoted words. Every one must arrive as the same string, and nothing in them may run.
  const ARGS = HOSTILE.filter((v) => v !== "" && !v.includes("\x1b") && !v.includes("\r") && v.length < 1000);
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "deployer-hostile-args-"));
    writeFileSync(join(dir, "deploy.ts"), `import { Node } from "deployer";
export default class Root extends Node {
  async show(...args: string[]) { return JSON.stringify(args); }
}
`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("from the command line, each argument arrives unchanged and nothing runs", () => {
    rmSync("/tmp/deployer-pwned", { force: true });
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", "show", ...ARGS], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(ARGS);
    expect(existsSync("/tmp/deployer-pwned")).toBe(false);
  }, 60_000);

  test("from the shell, single-quoted words arrive unchanged and nothing runs", async () => {
    rmSync("/tmp/deployer-pwned", { force: true });
    // One line per argument (the shell reads one line per command): single quotes keep everything
    // but a single quote, written as '\'' as in bash.
    const oneLine = ARGS.filter((v) => !v.includes("\n"));
    const quoted = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
    const s = await onScreen(["run", "-s", "deploy.ts"], { cwd: dir, env: { NO_COLOR: "1", XDG_STATE_HOME: join(dir, "state") }, cols: 400, rows: 60 });
    await s.waitForLast("Root > ");
    for (const [i, value] of oneLine.entries()) {
      s.type(`show ${quoted(value)} end${i}\r`);
      await s.waitFor(`","end${i}"]`);
      const printed = s.output().split("\n").map((l) => l.replace(/\r$/, "")).find((l) => l.endsWith(`","end${i}"]`))!;
      expect(JSON.parse(printed.slice(printed.indexOf("[")))).toEqual([value, `end${i}`]);
    }
    s.type("exit\r");
    await s.exited;
    expect(existsSync("/tmp/deployer-pwned")).toBe(false);
  }, 120_000);
});
