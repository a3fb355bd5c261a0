import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync, statSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActionException, DeployLocked, DummyPty, Env, Node, ParallelActionResult, Q, Releases, SSHHost, arrayOf, child, query, shellQuote,
} from "../../engine/index.ts";
import { compareReleases, nextReleaseName, releasesToPrune } from "../../engine/contrib/_releases.ts";
import { loadFixture, type FixtureHost } from "../fixture/sshd.ts";

const fixture = loadFixture();

function hostClass(h: FixtureHost): new () => SSHHost {
  return class extends SSHHost {
    slug = h.slug;
    address = h.address;
    port = h.port;
    username = fixture.username;
    keyFilename = fixture.clientKey;
    knownHostsFilename = fixture.knownHosts;
    password = fixture.password;
  };
}

const hosts = fixture.hosts.map(hostClass);

/** What every build waits for first (the race and parallel tests hold builds here). */
let beforeBuild: () => Promise<void> = async () => {};

/** A site whose build writes index.html with the version given to deploy; version "fail" fails half-way. */
class Site extends Releases {
  override async build(release: string, version = "v1"): Promise<void> {
    await beforeBuild();
    const page = await this.host.open("index.html", "w");
    await page.write(`${version} on ${this.host.slug}\n`);
    await page.close();
    if (version === "fail") throw new Error(`build of ${release} failed`);
  }
}

interface Settings {
  keepReleases?: number;
  lockMaxAgeSeconds?: number;
  removeRolledBack?: boolean;
}

/** An Env over a root whose `app` is a Site on `on` (default: the first fixture host), deploying to `dir`. */
function envFor(dir: string, settings: Settings = {}, options: { pty?: DummyPty; on?: Array<new () => SSHHost> } = {}) {
  class App extends Site {
    deployTo = dir;
    keepReleases = settings.keepReleases ?? 5;
    lockMaxAgeSeconds = settings.lockMaxAgeSeconds ?? 3600;
    removeRolledBack = settings.removeRolledBack ?? true;
  }
  class Root extends Node {
    Hosts = { host: options.on ?? [hosts[0]!] };
    app = child(arrayOf(App));
  }
  return new Env(new Root(), { pty: options.pty ?? new DummyPty() });
}

/** The temporary directories made here, removed when the file's tests are done. */
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "deployer-releases-"));
  made.push(dir);
  return dir;
}

/** A fresh directory the fixture user may write in (the hosts are this machine). */
function workdir(): string {
  const dir = tempDir();
  chmodSync(dir, 0o777);
  return join(dir, "app");
}

/** The release `current` points at; fails unless `current` is a symlink into releases/. */
function current(dir: string): string {
  expect(lstatSync(join(dir, "current")).isSymbolicLink()).toBe(true);
  const target = readlinkSync(join(dir, "current"));
  expect(target).toMatch(/^releases\/\d{8}T\d{6}Z(-\d+)?$/);
  return target.slice("releases/".length);
}

function releaseDirs(dir: string): string[] {
  return readdirSync(join(dir, "releases")).sort(compareReleases);
}

/** Nothing left behind: no temporary links, no lock. */
function expectTidy(dir: string): void {
  expect(readdirSync(dir).sort()).toEqual(["current", "releases"]);
}

function page(dir: string): string {
  return readFileSync(join(dir, "current", "index.html"), "utf8");
}

/**
 * Watches `dir/current` from another process until stopped, as fast as bash can; resolves to how
 * many times it saw no symlink there. Only a switch that removes `current` can make it non-zero.
 */
function watchCurrent(dir: string): { stop(): Promise<number> } {
  const stopFile = `${dir}.stop-watching`;
  const proc = spawn("bash", ["-c", `cd -- "$1" && while [ ! -e "$2" ]; do [ -L current ] || echo missing; done`, "watch", dir, stopFile]);
  let output = "";
  proc.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => proc.on("close", () => resolve()));
  return {
    async stop() {
      writeFileSync(stopFile, "");
      await exited;
      return output.split("\n").filter(Boolean).length;
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => { throw new Error("expected a failure"); }, (error: unknown) => error);
}

/** The one host's error inside a parallel action's ActionException. */
function cause(error: unknown): unknown {
  return error instanceof ActionException && error.outcomes
    ? ([...error.outcomes.values()].find((o) => !o.ok) as { error: unknown }).error
    : error instanceof ActionException ? error.innerException : error;
}

/** Waits for `promise`; fails after 10 s naming what did not happen (a deadlock breaker, not a timing check). */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited 10 s for ${what}`)), 10_000);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `count` callers have arrived: proves they ran at the same time. */
function rendezvous(count: number, what: string): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return async () => {
    if (++arrived === count) release();
    await within(all, `${count} ${what} at once (${arrived} came)`);
  };
}

async function deploy(env: ReturnType<typeof envFor>, version: string): Promise<string> {
  return (await env.app.deploy(version)).values()[0]!;
}

describe("Releases on a real SSH host", () => {
  test("a deploy creates a release and points current at it", async () => {
    const dir = workdir();
    const env = envFor(dir);
    try {
      expect((await env.app.currentRelease()).values()).toEqual([undefined]);
      const name = await deploy(env, "v1");
      expect(name).toMatch(/^\d{8}T\d{6}Z$/);
      expect(current(dir)).toBe(name);
      expect(releaseDirs(dir)).toEqual([name]);
      expect(page(dir)).toBe("v1 on sshd0\n");
      expectTidy(dir);
      expect((await env.app.currentRelease()).values()).toEqual([name]);
      expect((await env.app.releases()).values()).toEqual([[`${name} (current)`]]);
    } finally {
      await Env.close(env);
    }
  });

  test("keepReleases prunes older releases, keeping the current one", async () => {
    const dir = workdir();
    const env = envFor(dir, { keepReleases: 2 });
    try {
      const names = [await deploy(env, "v1")];
      const watcher = watchCurrent(dir);
      for (const version of ["v2", "v3", "v4"]) {
        names.push(await deploy(env, version));
        expect(current(dir)).toBe(names.at(-1)!);
      }
      // Another process watching all along never saw `current` missing.
      expect(await watcher.stop()).toBe(0);
      // Four deploys within a second or two: suffixes keep the names unique and in deploy order.
      expect(new Set(names).size).toBe(4);
      expect([...names].sort(compareReleases)).toEqual(names);
      expect(releaseDirs(dir)).toEqual(names.slice(2));
      expect(page(dir)).toBe("v4 on sshd0\n");
      expectTidy(dir);
      expect((await env.app.releases()).values()).toEqual([[names[2]!, `${names[3]!} (current)`]]);
    } finally {
      await Env.close(env);
    }
  });

  test("of two deploys racing on one host, one refuses with the lock's holder and age, the other succeeds", async () => {
    const dir = workdir();
    const first = envFor(dir);
    const second = envFor(dir);
    // Whoever takes the lock waits in its build until the other deploy has settled: if both took
    // the lock, both would wait here and the rendezvous would fail them.
    let settle!: () => void;
    const oneSettled = new Promise<void>((resolve) => (settle = resolve));
    beforeBuild = () => within(oneSettled, "the other deploy to settle (did both take the lock?)");
    try {
      const results = await Promise.allSettled([first, second].map((env) => deploy(env, "raced").finally(settle)));
      const refused = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
      const done = results.filter((r) => r.status === "fulfilled") as PromiseFulfilledResult<string>[];
      expect(refused.length).toBe(1);
      expect(done.length).toBe(1);
      const error = cause(refused[0]!.reason);
      expect(error).toBeInstanceOf(DeployLocked);
      const message = (error as Error).message;
      expect(message).not.toContain("\n");
      expect(message).toMatch(new RegExp(`^${dir} is locked by [^@ ]+@\\S+ \\(pid ${process.pid}\\) since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ, \\d+s ago; `));
      expect(releaseDirs(dir)).toEqual([done[0]!.value]);
      expect(current(dir)).toBe(done[0]!.value);
      expectTidy(dir);
    } finally {
      beforeBuild = async () => {};
      await Promise.all([Env.close(first), Env.close(second)]);
    }
  });

  test("a failed build leaves current untouched, no half release and no lock", async () => {
    const dir = workdir();
    const env = envFor(dir);
    try {
      const good = await deploy(env, "v1");
      const error = await rejection(deploy(env, "fail"));
      expect((error as Error).message).toMatch(/build of .*\/releases\/\d{8}T\d{6}Z(-\d+)? failed/);
      expect(current(dir)).toBe(good);
      expect(releaseDirs(dir)).toEqual([good]);
      expect(page(dir)).toBe("v1 on sshd0\n");
      expectTidy(dir);
      // And the next deploy goes ahead: the lock was released.
      const next = await deploy(env, "v2");
      expect(current(dir)).toBe(next);
    } finally {
      await Env.close(env);
    }
  });

  test("rollback after a bad release points current back at the old one and removes the bad one", async () => {
    const dir = workdir();
    const env = envFor(dir);
    try {
      const good = await deploy(env, "good");
      const watcher = watchCurrent(dir);
      const bad = await deploy(env, "bad");
      expect(page(dir)).toBe("bad on sshd0\n");
      expect((await env.app.rollback()).values()).toEqual([good]);
      expect(await watcher.stop()).toBe(0);
      expect(current(dir)).toBe(good);
      expect(page(dir)).toBe("good on sshd0\n");
      expect(releaseDirs(dir)).toEqual([good]);
      expect(releaseDirs(dir)).not.toContain(bad);
      expectTidy(dir);
      // Nothing before the first release: a clear error, current untouched, lock released.
      const error = await rejection(env.app.rollback());
      expect((cause(error) as Error).message).toBe(`cannot roll back ${dir}: there is no release before ${good}`);
      expect(current(dir)).toBe(good);
      expectTidy(dir);
    } finally {
      await Env.close(env);
    }
  });

  test("with removeRolledBack off, rollback keeps the bad release", async () => {
    const dir = workdir();
    const env = envFor(dir, { removeRolledBack: false });
    try {
      const good = await deploy(env, "good");
      const bad = await deploy(env, "bad");
      await env.app.rollback();
      expect(current(dir)).toBe(good);
      expect(releaseDirs(dir)).toEqual([good, bad]);
      expect((await env.app.releases()).values()).toEqual([[`${good} (current)`, bad]]);
    } finally {
      await Env.close(env);
    }
  });

  test("rollback before any deploy says there is no current release", async () => {
    const dir = workdir();
    const env = envFor(dir);
    try {
      writeFileSync(join(dir, "..", "marker"), ""); // the parent exists; deployTo itself does not
      const error = cause(await rejection(env.app.rollback()));
      expect((error as Error).message).toMatch(/No such file or directory/);
    } finally {
      await Env.close(env);
    }
  });
});

describe("paths and permissions", () => {
  test("a deployTo with spaces, quotes, $ and backticks is used as it is", async () => {
    const dir = join(workdir(), "..", "it's a \"$HOME\" `id` dir");
    const env = envFor(dir);
    try {
      const first = await deploy(env, "v1");
      const second = await deploy(env, "v2");
      expect(current(dir)).toBe(second);
      expect(page(dir)).toBe("v2 on sshd0\n");
      await env.app.rollback();
      expect(current(dir)).toBe(first);
      expectTidy(dir);
    } finally {
      await Env.close(env);
    }
  });

  test("a current that is not a symlink is refused, and nothing is changed", async () => {
    const dir = workdir();
    mkdirSync(join(dir, "current"), { recursive: true });
    chmodSync(dir, 0o777);
    const env = envFor(dir);
    try {
      const error = cause(await rejection(env.app.deploy("v1")));
      expect((error as Error).message).toBe(`${dir}/current exists but is not a symlink; move it out of the way first`);
      expect(lstatSync(join(dir, "current")).isDirectory()).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(["current", "releases"]);
      expect(readdirSync(join(dir, "releases"))).toEqual([]);
    } finally {
      await Env.close(env);
    }
  });

  test("with useSudo, a directory only root may write is deployed to through sudo", async () => {
    const parent = tempDir();
    chmodSync(parent, 0o755); // the login user may enter, not write
    const dir = join(parent, "app");
    class App extends Releases {
      deployTo = dir;
      useSudo = true;
      override async build(release: string, version = "v1"): Promise<void> {
        await this.host.sudo(`printf '%s\\n' ${shellQuote(`${version} in ${release}`)} > index.html`, { interactive: false });
      }
    }
    class Root extends Node {
      Hosts = { host: [hosts[2]!] };
      app = child(arrayOf(App));
    }
    const env = new Env(new Root(), { pty: new DummyPty() });
    try {
      const first = (await env.app.deploy("v1")).values()[0]!;
      const second = (await env.app.deploy("v2")).values()[0]!;
      expect(current(dir)).toBe(second);
      expect(page(dir)).toBe(`v2 in ${dir}/releases/${second}\n`);
      expect(statSync(join(dir, "releases", second)).uid).toBe(0);
      expect(lstatSync(join(dir, "current")).uid).toBe(0);
      await env.app.rollback();
      expect(current(dir)).toBe(first);
      expectTidy(dir);
    } finally {
      await Env.close(env);
    }
  });
});

describe("the deploy lock", () => {
  /** A lock file as another deployer would have left it, taken at `time`. */
  function leaveLock(dir: string, time: string): string {
    const content = `owner=ghost\nhost=elsewhere\npid=4242\ntime=${time}\ntoken=feedface\n`;
    writeFileSync(join(dir, ".deploy.lock"), content);
    chmodSync(join(dir, ".deploy.lock"), 0o666);
    return content;
  }

  async function prepared(): Promise<{ dir: string; first: string }> {
    const dir = workdir();
    const env = envFor(dir);
    try {
      return { dir, first: await deploy(env, "v1") };
    } finally {
      await Env.close(env);
    }
  }

  test("a stale lock is refused without a terminal, and left in place", async () => {
    const { dir, first } = await prepared();
    const content = leaveLock(dir, "2001-02-03T04:05:06Z");
    const env = envFor(dir);
    try {
      const error = cause(await rejection(env.app.deploy("v2")));
      expect(error).toBeInstanceOf(DeployLocked);
      expect((error as DeployLocked).stale).toBe(true);
      expect((error as Error).message).toMatch(
        new RegExp(`^${dir} is locked by ghost@elsewhere \\(pid 4242\\) since 2001-02-03T04:05:06Z, \\d+d \\d+h ago: a stale lock \\(older than 3600s\\), not broken`),
      );
      expect(readFileSync(join(dir, ".deploy.lock"), "utf8")).toBe(content);
      expect(current(dir)).toBe(first);
      expect(releaseDirs(dir)).toEqual([first]);
    } finally {
      await Env.close(env);
    }
  });

  test("a stale lock is broken when the user says yes, and the deploy goes ahead", async () => {
    const { dir, first } = await prepared();
    leaveLock(dir, "2001-02-03T04:05:06Z");
    const pty = new DummyPty("y\n", { interactive: true });
    const env = envFor(dir, {}, { pty });
    try {
      const second = await deploy(env, "v2");
      expect(pty.getOutput()).toContain(`${dir} is locked by ghost@elsewhere (pid 4242) since 2001-02-03T04:05:06Z`);
      expect(pty.getOutput()).toContain("Break the lock and deploy?");
      expect(current(dir)).toBe(second);
      expect(releaseDirs(dir)).toEqual([first, second]);
      expect(page(dir)).toBe("v2 on sshd0\n");
      expectTidy(dir);
    } finally {
      await Env.close(env);
    }
  });

  test("a stale lock is kept when the user says no", async () => {
    const { dir } = await prepared();
    const content = leaveLock(dir, "2001-02-03T04:05:06Z");
    const env = envFor(dir, {}, { pty: new DummyPty("n\n", { interactive: true }) });
    try {
      const error = cause(await rejection(env.app.deploy("v2")));
      expect((error as DeployLocked).stale).toBe(true);
      expect(readFileSync(join(dir, ".deploy.lock"), "utf8")).toBe(content);
    } finally {
      await Env.close(env);
    }
  });

  test("a fresh lock is refused at once, even on a terminal, without a question", async () => {
    const { dir, first } = await prepared();
    leaveLock(dir, new Date().toISOString().replace(/\.\d+Z$/, "Z"));
    const pty = new DummyPty("y\n", { interactive: true });
    const env = envFor(dir, {}, { pty });
    try {
      const error = cause(await rejection(env.app.deploy("v2")));
      expect((error as DeployLocked).stale).toBe(false);
      expect((error as Error).message).toMatch(/is locked by ghost@elsewhere \(pid 4242\) since .*, \d+s ago; wait for that deploy to finish, or run unlock if it died$/);
      expect(pty.getOutput()).not.toContain("Break the lock");
      expect(existsSync(join(dir, ".deploy.lock"))).toBe(true);
      expect(current(dir)).toBe(first);
    } finally {
      await Env.close(env);
    }
  });

  test("unlock removes the lock after confirmation, and keeps it otherwise", async () => {
    const { dir } = await prepared();
    leaveLock(dir, new Date().toISOString());
    const kept = envFor(dir);
    const removed = envFor(dir, {}, { pty: new DummyPty("y\n", { interactive: true }) });
    try {
      expect((await kept.app.unlock()).values()).toEqual([`kept ${dir}/.deploy.lock`]);
      expect(existsSync(join(dir, ".deploy.lock"))).toBe(true);
      const [message] = (await removed.app.unlock()).values();
      expect(message).toMatch(new RegExp(`^removed ${dir}/\\.deploy\\.lock \\(held by ghost@elsewhere \\(pid 4242\\)`));
      expect(existsSync(join(dir, ".deploy.lock"))).toBe(false);
      expect((await removed.app.unlock()).values()).toEqual([`${dir} is not locked`]);
    } finally {
      await Promise.all([Env.close(kept), Env.close(removed)]);
    }
  });
});

describe("several hosts", () => {
  test("a ParallelNode array deploys to three hosts at once, each with its own releases and lock", async () => {
    const dir = workdir();
    // The fixture's hosts share this machine's disk: one directory per host, from the host's slug.
    class App extends Site {
      deployTo = query<string>(Q.$fmt`${dir}/${Q.host.slug}`);
    }
    class Root extends Node {
      Hosts = { host: hosts };
      app = child(arrayOf(App));
    }
    const env = new Env(new Root(), { pty: new DummyPty() });
    // Every build waits for all three: they hold their locks at the same time.
    beforeBuild = rendezvous(3, "builds");
    try {
      const result = await env.app.deploy("v1");
      expect(result).toBeInstanceOf(ParallelActionResult);
      const names = result.values();
      expect(result.keys().map((cell) => cell.host.slug)).toEqual(["sshd0", "sshd1", "sshd2"]);
      for (const [i, h] of fixture.hosts.entries()) {
        const hostDir = join(dir, h.slug);
        expect(current(hostDir)).toBe(names[i]!);
        expect(page(hostDir)).toBe(`v1 on ${h.slug}\n`);
        expectTidy(hostDir);
      }
      // A rollback on one host leaves the others alone.
      beforeBuild = async () => {};
      const seconds = (await env.app.deploy("v2")).values();
      await env.app.at("sshd1").rollback();
      expect(current(join(dir, "sshd0"))).toBe(seconds[0]!);
      expect(current(join(dir, "sshd1"))).toBe(names[1]!);
      expect(page(join(dir, "sshd1"))).toBe("v1 on sshd1\n");
      expect(current(join(dir, "sshd2"))).toBe(seconds[2]!);
    } finally {
      beforeBuild = async () => {};
      await Env.close(env);
    }
  });
});

describe("release names and pruning", () => {
  test.each([
    ["the first release is the host's time", "20261123T101500Z", [], "20261123T101500Z"],
    ["a later second needs no suffix", "20261123T101501Z", ["20261123T101500Z"], "20261123T101501Z"],
    ["the same second gets -02", "20261123T101500Z", ["20261123T101500Z"], "20261123T101500Z-02"],
    ["then -03", "20261123T101500Z", ["20261123T101500Z", "20261123T101500Z-02"], "20261123T101500Z-03"],
    ["a clock gone back still sorts last", "20261123T090000Z", ["20261123T101500Z"], "20261123T101500Z-02"],
    ["suffixes past 9 count as numbers", "20261123T101500Z", ["20261123T101500Z-09", "20261123T101500Z-10"], "20261123T101500Z-11"],
  ] as const)("%s", (_name, now, existing, expected) => {
    expect(nextReleaseName(now, existing)).toBe(expected);
  });

  test.each([
    ["keeps the newest", ["a1", "a2", "a3", "a4"].map(n), n("a4"), 2, ["a1", "a2"].map(n)],
    ["never the current one or the one before it", ["a1", "a2", "a3", "a4"].map(n), n("a2"), 1, [n("a3")]],
    ["nothing when there are few", ["a1"].map(n), n("a1"), 5, []],
  ] as const)("pruning %s", (_name, releases, currentName, keep, expected) => {
    expect(releasesToPrune(releases, currentName, keep)).toEqual([...expected]);
  });
});

/** Release names for the pruning table: a1 → 20260101T000001Z. */
function n(short: string): string {
  return `20260101T00000${short.slice(1)}Z`;
}
