// The contrib nodes against the real sshd fixture: Config, Git, Connect, AptGet, AnalyseHost, and the
// command builders. The fixture's hosts are this machine, so tests look at the files they change.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActionException, AnalyseHost, AptGet, Config, Connect, DummyPty, Env, Git, GitOverview, Inspector, Node, RequiredPropertyMissing,
  SSHHost, arrayOf, child, commands, justOneOf, unifiedDiff, type HostClass, type OpenMode, type RunOptions,
} from "../../engine/index.ts";
import { runAction } from "../../cmd/_action.ts";
import { spawnPty } from "../../engine/host/_pty.ts";
import { loadFixture, type FixtureHost } from "../fixture/sshd.ts";

const fixture = loadFixture();
const uid = Number(spawnSync("id", ["-u", fixture.username], { encoding: "utf8" }).stdout.trim());
const gid = Number(spawnSync("id", ["-g", fixture.username], { encoding: "utf8" }).stdout.trim());
const scratch: string[] = [];

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** The fields of an SSHHost for fixture host `h`. */
function hostFields(h: FixtureHost) {
  return {
    slug: h.slug,
    address: h.address,
    port: h.port,
    username: fixture.username,
    keyFilename: fixture.clientKey,
    knownHostsFilename: fixture.knownHosts,
    password: fixture.password,
  };
}

function hostClass(h: FixtureHost): new () => SSHHost {
  return class extends SSHHost {
    constructor() {
      super();
      Object.assign(this, hostFields(h));
    }
  };
}

const [H0, H1] = [hostClass(fixture.hosts[0]!), hostClass(fixture.hosts[1]!)];

/** A fresh directory the test user owns (and everyone may read), removed after the tests. */
function userDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "deployer-contrib-"));
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o755);
  scratch.push(dir);
  return dir;
}

function sh(command: string, cwd?: string): string {
  const result = spawnSync("bash", ["-c", command], { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  return result.stdout;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => { throw new Error("expected a failure"); }, (error: unknown) => error);
}

function cause(error: unknown): unknown {
  return error instanceof ActionException ? error.innerException : error;
}

/** An Env over `root`, closed after `fn`. */
async function withEnv<T extends Node>(root: T, pty: DummyPty, fn: (env: T) => Promise<void>): Promise<void> {
  const env = new Env(root, { pty });
  try {
    await fn(env);
  } finally {
    await Env.close(env);
  }
}

describe("unifiedDiff", () => {
  const cases: Array<[string, string, string]> = [
    ["one changed line", "a\nb\nc\n", "a\nB\nc\n"],
    ["lines added at the end", "a\n", "a\nb\nc\n"],
    ["from nothing", "", "x\ny\n"],
    ["to nothing", "x\ny\n", ""],
    ["a missing final newline", "a\nb", "a\nb\n"],
    ["two changes far apart, two hunks", Array.from({ length: 20 }, (_, i) => `${i}\n`).join(""), Array.from({ length: 20 }, (_, i) => (i === 2 || i === 17 ? `x${i}\n` : `${i}\n`)).join("")],
    ["two changes close together, one hunk", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nX\n3\n4\n5\n6\n7\nY\n9\n"],
  ];

  test.each(cases)("prints what diff -u prints: %s", (_name, a, b) => {
    const dir = mkdtempSync(join(tmpdir(), "deployer-diff-"));
    scratch.push(dir);
    writeFileSync(join(dir, "a"), a);
    writeFileSync(join(dir, "b"), b);
    const gnu = spawnSync("diff", ["-u", "--label", "old", "--label", "new", "a", "b"], { cwd: dir, encoding: "utf8" }).stdout;
    expect(unifiedDiff(a, b, { fromFile: "old", toFile: "new" })).toBe(gnu);
  });

  test("is empty for equal texts", () => {
    expect(unifiedDiff("same\n", "same\n")).toBe("");
  });

  test("applied with patch, turns every current text into the new one", () => {
    const dir = mkdtempSync(join(tmpdir(), "deployer-diff-"));
    scratch.push(dir);
    let seed = 42;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const text = () => Array.from({ length: random(25) }, () => "abcde"[random(5)] + "\n").join("") + (random(4) === 0 ? "end" : "");
    for (let i = 0; i < 150; i++) {
      const [a, b] = [text(), text()];
      writeFileSync(join(dir, "file"), a);
      writeFileSync(join(dir, "patch"), unifiedDiff(a, b));
      if (a !== b) sh("patch -s file patch", dir);
      expect(readFileSync(join(dir, "file"), "utf8")).toBe(b);
    }
  });
});

describe("commands", () => {
  test("bashrcAppend adds a line once, compared whole and as plain text", async () => {
    const home = userDir();
    writeFileSync(join(home, ".bashrc"), "export A='x.*y' # longer\n");
    chownSync(join(home, ".bashrc"), uid, gid);
    class Root extends Node {
      Hosts = { host: H0 };
      async append(line: string) {
        await this.hosts.env("HOME", home).run(commands.bashrcAppend(line), { interactive: false });
      }
    }
    const lines = ["export A='x.*y'", `alias q="echo \\$HOME; rm -rf \`nothing\`"`];
    await withEnv(new Root(), new DummyPty(), async (env) => {
      for (const line of [...lines, ...lines]) await env.append(line);
    });
    expect(readFileSync(join(home, ".bashrc"), "utf8")).toBe(`export A='x.*y' # longer\n${lines.join("\n")}\n`);
  });

  test("wget downloads into the target given, or under the URL's name", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => new Response(`served ${new URL(request.url).pathname}\n`) });
    const dir = userDir();
    try {
      class Root extends Node {
        Hosts = { host: H0 };
        async fetch(url: string, target?: string) {
          await this.hosts.cd(dir).run(commands.wget(url, target), { interactive: false });
        }
      }
      await withEnv(new Root(), new DummyPty(), async (env) => {
        await env.fetch(`http://127.0.0.1:${server.port}/files/a.txt?x=1&y=2`, `${dir}/it's here.txt`);
        await env.fetch(`http://127.0.0.1:${server.port}/plain.txt`);
      });
    } finally {
      server.stop(true);
    }
    expect(readFileSync(join(dir, "it's here.txt"), "utf8")).toBe("served /files/a.txt\n");
    expect(readFileSync(join(dir, "plain.txt"), "utf8")).toBe("served /plain.txt\n");
    expect(commands.wget("http://x/a b", "t")).toBe("wget --output-document=t -- 'http://x/a b'");
  });
});

describe("Config", () => {
  /** A root over host 0 with a Config child writing `path`. */
  function configRoot(path: string, content: string | (() => Promise<string>), fields: Partial<Config> = {}) {
    class File extends Config {
      remotePath = path;
      get content(): string | Promise<string> {
        return typeof content === "string" ? content : content();
      }
      constructor() {
        super();
        Object.assign(this, fields);
      }
    }
    class Root extends Node {
      Hosts = { host: H0 };
      config = child(justOneOf(File));
    }
    return new Root();
  }

  test("setup writes the file with sudo; exists, changed and diff follow", async () => {
    const path = join(userDir(), "app.conf");
    const pty = new DummyPty();
    await withEnv(configRoot(path, "a\nb\n"), pty, async (env) => {
      expect(await env.config.exists()).toBe(false);
      expect(await env.config.changed()).toBe(true);
      expect(await env.config.diff()).toBe(`--- /dev/null\n+++ ${path} (new)\n@@ -0,0 +1,2 @@\n+a\n+b\n`);
      expect(await env.config.setup()).toBe(true);
      expect(readFileSync(path, "utf8")).toBe("a\nb\n");
      expect(statSync(path).uid).toBe(0);
      expect(await env.config.exists()).toBe(true);
      expect(await env.config.changed()).toBe(false);
      expect(await env.config.diff()).toBe("");
      expect(await env.config.currentContent()).toBe("a\nb\n");
    });
    expect(pty.getOutput()).toContain("Config doesn't exist yet\n");
    expect(pty.getOutput()).toContain("Yes, config exists already.\n");
    expect(pty.getOutput()).toContain("No changes.\n");
  });

  test("the content may come from an async getter, and the diff shows the change", async () => {
    const path = join(userDir(), "app.conf");
    writeFileSync(path, "keep\nold\n");
    await withEnv(configRoot(path, async () => "keep\nnew on host\n"), new DummyPty(), async (env) => {
      expect(await env.config.changed()).toBe(true);
      expect(await env.config.diff()).toBe(`--- ${path} (current)\n+++ ${path} (new)\n@@ -1,2 +1,2 @@\n keep\n-old\n+new on host\n`);
    });
  });

  test("interactive setup shows the diff and leaves the file alone when the answer is no", async () => {
    const path = join(userDir(), "app.conf");
    writeFileSync(path, "old\n");
    const pty = new DummyPty("n\n", { interactive: true });
    await withEnv(configRoot(path, "new\n"), pty, async (env) => {
      expect(await env.config.setup()).toBe(false);
    });
    expect(readFileSync(path, "utf8")).toBe("old\n");
    expect(pty.getOutput()).toContain("-old\n+new\n");
    expect(pty.getOutput()).toContain(`Overwrite ${path} on sshd0? [y/n]`);
  });

  test("interactive setup overwrites when the answer is yes", async () => {
    const path = join(userDir(), "app.conf");
    writeFileSync(path, "old\n");
    await withEnv(configRoot(path, "new\n"), new DummyPty("y\n", { interactive: true }), async (env) => {
      expect(await env.config.setup()).toBe(true);
    });
    expect(readFileSync(path, "utf8")).toBe("new\n");
  });

  test("without a person to ask, setup overwrites a changed file", async () => {
    const path = join(userDir(), "app.conf");
    writeFileSync(path, "old\n");
    const pty = new DummyPty();
    await withEnv(configRoot(path, "new\n"), pty, async (env) => {
      expect(await env.config.setup()).toBe(true);
    });
    expect(readFileSync(path, "utf8")).toBe("new\n");
    expect(pty.getOutput()).toContain("[non interactive]");
  });

  test("backup copies the file beside it with a timestamp; alwaysBackupExistingConfig backs up before writing", async () => {
    const dir = userDir();
    const path = join(dir, "app.conf");
    await withEnv(configRoot(path, "v2\n", { alwaysBackupExistingConfig: true }), new DummyPty(), async (env) => {
      expect(await env.config.backup()).toBeUndefined();
      writeFileSync(path, "v1\n");
      chmodSync(path, 0o640);
      const backup = await env.config.backup();
      expect(backup).toMatch(/\/app\.conf\.\d{4}-\d\d-\d\d--\d\d-\d\d-\d\d$/);
      expect(readFileSync(backup!, "utf8")).toBe("v1\n");
      expect(statSync(backup!).mode & 0o777).toBe(0o640);
      rmSync(backup!);
      await env.config.setup();
    });
    const backups = readdirSync(dir).filter((name) => name.startsWith("app.conf."));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, backups[0]!), "utf8")).toBe("v1\n");
    expect(readFileSync(path, "utf8")).toBe("v2\n");
  });

  test("makeExecutable sets the x bits; useSudo false writes as the login user", async () => {
    const path = join(userDir(), "run.sh");
    await withEnv(configRoot(path, "#!/bin/sh\necho hi\n", { makeExecutable: true, useSudo: false }), new DummyPty(), async (env) => {
      await env.config.setup();
    });
    expect(statSync(path).mode & 0o111).toBe(0o111);
    expect(statSync(path).uid).toBe(uid);
    expect(sh(path)).toBe("hi\n");
  });

  test("show and showNewConfig print the current and the new content", async () => {
    const path = join(userDir(), "app.conf");
    writeFileSync(path, "current text\n");
    const pty = new DummyPty();
    await withEnv(configRoot(path, "new text"), pty, async (env) => {
      await env.config.show();
      await env.config.showNewConfig();
    });
    expect(pty.getOutput()).toContain("current text\n");
    expect(pty.getOutput()).toContain("new text\n");
  });

  test("a Config without content names the missing property; a double-underscore override fills it in", async () => {
    const path = join(userDir(), "app.conf");
    class Root extends Node {
      Hosts = { host: H0 };
      bare = child(justOneOf(Config));
      filled = child(justOneOf(Config));
      bare__remotePath = path;
      filled__remotePath = path;
      filled__content = "from the parent\n";
    }
    await withEnv(new Root(), new DummyPty(), async (env) => {
      const error = cause(await rejection(env.bare.setup()));
      expect(error).toBeInstanceOf(RequiredPropertyMissing);
      expect((error as Error).message).toContain(`"content" of Root.bare`);
      expect(new Inspector(env.bare).getProperties()).toEqual(expect.arrayContaining(["content"]));
      await env.filled.setup();
    });
    expect(readFileSync(path, "utf8")).toBe("from the parent\n");
  });
});

describe("Git", () => {
  let origin: string;
  const sha: Record<string, string> = {};

  beforeAll(() => {
    const dir = userDir();
    origin = join(dir, "origin.git");
    const work = join(dir, "work");
    const commit = "git -c user.name=Test -c user.email=test@example.com commit -q";
    sh(`git init -q --bare -b master ${origin} && git init -q -b master ${work}`);
    sh(`printf 'one\\n' > README && printf 'shared\\n' > notes.txt && git add . && ${commit} -m 'first commit' && git tag v1`, work);
    sh(`printf 'two\\n' > README && git add . && ${commit} -m 'second commit' && git tag v2`, work);
    sh(`git push -q ${origin} master --tags`, work);
    sha.v1 = sh("git rev-parse v1^{commit}", work).trim();
    sha.v2 = sh("git rev-parse v2^{commit}", work).trim();
    sh(`chown -R ${uid}:${gid} ${dir} && chmod -R a+rX ${dir}`);
  });

  /** A Git of class `base` over `hosts`, checking out under a fresh directory, one checkout per host. */
  function gitRoot(base: new () => Git, hosts: HostClass[]) {
    const dir = userDir();
    class Checkout extends (base as typeof Git) {
      repository = origin;
      get repositoryLocation() {
        return `${dir}/${this.host.slug}`;
      }
    }
    class Root extends Node {
      Hosts = { host: hosts };
      git = child(arrayOf(Checkout));
      overview = child(GitOverview);
    }
    return { root: new Root(), dir };
  }

  /** git as root, in checkouts the test user owns. */
  const git = (args: string, cwd: string) => sh(`git -c safe.directory='*' ${args}`, cwd);
  const head = (path: string) => git("rev-parse HEAD", path).trim();

  test("checkout clones where the repository is missing, on every host, and moves HEAD on the next", async () => {
    const { root, dir } = gitRoot(Git, [H0, H1]);
    await withEnv(root, new DummyPty(), async (env) => {
      await env.git.checkout("v1");
      expect(head(`${dir}/sshd0`)).toBe(sha.v1!);
      expect(head(`${dir}/sshd1`)).toBe(sha.v1!);
      expect((await env.git.headSha()).toJSON()).toEqual({ sshd0: sha.v1!, sshd1: sha.v1! });
      await env.git.checkout("v2");
      expect((await env.git.headSha()).toJSON()).toEqual({ sshd0: sha.v2!, sshd1: sha.v2! });
    });
    expect(readFileSync(`${dir}/sshd1/README`, "utf8")).toBe("two\n");
  });

  test("local changes are stashed for the checkout and popped back; an older stash is left alone", async () => {
    const { root, dir } = gitRoot(Git, [H0]);
    const checkout = `${dir}/sshd0`;
    await withEnv(root, new DummyPty(), async (env) => {
      await env.git.checkout("v2");
      const asUser = `su ${fixture.username} -c`;
      sh(`${asUser} "printf 'older\\n' >> notes.txt && git stash -q && printf 'local\\n' >> notes.txt"`, checkout);
      await env.git.checkout("v1");
      expect(head(checkout)).toBe(sha.v1!);
      expect(readFileSync(`${checkout}/notes.txt`, "utf8")).toBe("shared\nlocal\n");
      expect(git("stash list", checkout).trim().split("\n")).toHaveLength(1);
      // Nothing to stash now: the older stash must stay where it is.
      sh(`${asUser} "git checkout -q notes.txt"`, checkout);
      await env.git.checkout("v2");
      expect(git("stash list", checkout).trim().split("\n")).toHaveLength(1);
      expect(readFileSync(`${checkout}/notes.txt`, "utf8")).toBe("shared\n");
    });
  });

  test("a stash that does not pop cleanly is shown, and the answer no stops the checkout", async () => {
    const { root, dir } = gitRoot(Git, [H0]);
    const checkout = `${dir}/sshd0`;
    await withEnv(root, new DummyPty(), async (env) => { await env.git.checkout("v2"); });
    sh(`su ${fixture.username} -c "printf 'mine\\n' > README"`, checkout);
    const pty = new DummyPty("n\n", { interactive: true });
    await withEnv(root, pty, async (env) => {
      const error = cause(await rejection(env.git.checkout("v1")));
      expect((error as Error).message).toContain("git stash pop failed");
    });
    expect(pty.getOutput()).toContain("CONFLICT");
    expect(pty.getOutput()).toContain("Should we continue? [y/n]");
  });

  test("a before-checkout hook that throws vetoes the checkout", async () => {
    class Guarded extends Git {
      async _beforeCheckoutHook(commit: string) {
        if (commit !== "v2") throw new Error(`only v2 may be deployed, not ${commit}`);
      }
    }
    const { root, dir } = gitRoot(Guarded, [H0]);
    await withEnv(root, new DummyPty(), async (env) => {
      await env.git.checkout("v2");
      const error = await rejection(env.git.checkout("v1"));
      expect((error as Error).message).toContain("only v2 may be deployed, not v1");
    });
    expect(head(`${dir}/sshd0`)).toBe(sha.v2!);
  });

  test("without a commit, checkout asks once, defaulting to defaultRevision", async () => {
    const { root, dir } = gitRoot(Git, [H0, H1]);
    const pty = new DummyPty("v1\n", { interactive: true });
    await withEnv(root, pty, async (env) => { await env.git.checkout(); });
    expect(pty.getOutput().match(/Git commit/g)).toHaveLength(1);
    expect([head(`${dir}/sshd0`), head(`${dir}/sshd1`)]).toEqual([sha.v1!, sha.v1!]);
    await withEnv(root, new DummyPty(), async (env) => { await env.git.checkout(); });
    expect(head(`${dir}/sshd0`)).toBe(sha.v2!);
    await withEnv(root, new DummyPty(), async (env) => {
      expect(((await rejection(env.git.checkout(" "))) as Error).message).toContain("no commit given");
    });
  });

  test("the git commands are actions: listed, their result suppressed, and runnable", async () => {
    const { root } = gitRoot(Git, [H0]);
    const pty = new DummyPty();
    await withEnv(root, pty, async (env) => {
      const inspector = new Inspector(env.git);
      expect(inspector.getActionNames({ includePrivate: false })).toEqual([
        "branch", "checkout", "describe", "diff", "headSha", "log", "pull", "reset", "show", "showOneline",
        "stash", "stashClear", "stashList", "stashPop", "status", "version", "whatchanged",
      ]);
      expect(inspector.suppressResultForAction("status")).toBe(true);
      await env.git.checkout("v1");
      expect((await env.git.status()).get("sshd0")).toContain("HEAD detached at v1");
      expect((await env.git.showOneline()).get("sshd0")).toBe(`${sha.v1!.slice(0, 7)} first commit`);
    });
    expect(pty.getOutput()).toContain("HEAD detached at v1");
  });

  test("withCommands adds actions, inherited by subclasses that add their own", async () => {
    const WithSubject = Git.withCommands({ subject: "log -1 --format=%s" });
    class WithMore extends WithSubject.withCommands({ files: "ls-files" }) {}
    expect(Object.keys(WithMore.commands)).toEqual(expect.arrayContaining(["status", "subject", "files"]));
    expect(Object.keys(WithSubject.commands)).not.toContain("files");
    expect(() => Git.withCommands({ checkout: "checkout" })).toThrow(`"checkout" cannot be a git action`);
    expect(() => Git.withCommands({ defaultRevision: "log" })).toThrow(TypeError);
    // The new actions are typed: a deploy.ts may call them like any other action.
    class Typed extends Git.withCommands({ lg: "log --oneline" }) {
      repository = "unused";
      repositoryLocation = "~/unused";
      async latest(): Promise<string> { return await this.lg(); }
    }
    expect(new Inspector(new Typed()).getActionNames()).toEqual(expect.arrayContaining(["lg", "latest", "status"]));
    const { root } = gitRoot(WithMore, [H0]);
    const out = { text: "", write(data: string) { this.text += data; return true; } };
    await withEnv(root, new DummyPty(), async (env) => {
      await env.git.checkout("v2");
      expect(new Inspector(env.git).hasAction("subject")).toBe(true);
      expect(new Inspector(env.git).suppressResultForAction("files")).toBe(true);
      expect((await (env.git as unknown as { subject(): Promise<{ get(k: string): string }> }).subject()).get("sshd0")).toBe("second commit");
      // What `deployer run deploy.ts -- git files` does.
      expect(await runAction(env, ["git", "files"], out as never)).toBe(0);
    });
    expect(out.text).toContain("notes.txt");
  });

  test("GitOverview lists every Git node on every host with its commit", async () => {
    const { root } = gitRoot(Git, [H0, H1]);
    const pty = new DummyPty();
    await withEnv(root, pty, async (env) => {
      await env.git.checkout("v1");
      await env.overview.show();
    });
    const lines = pty.getOutput().split("\n");
    expect(lines).toContain(` ${"Root.git[sshd0]".padEnd(40)} ${sha.v1!.slice(0, 7)} first commit`);
    expect(lines).toContain(` ${"Root.git[sshd1]".padEnd(40)} ${sha.v1!.slice(0, 7)} first commit`);
  });
});

describe("Connect", () => {
  class Shell extends Connect {
    get initialInput() {
      return "echo connected-$((6 * 7)) as $(id -un)\nexit\n";
    }
  }
  class Root extends Node {
    Hosts = { host: [H0] };
    connect = child(arrayOf(Shell));
  }

  test("withHost opens a shell with the initial input typed in; it is the node's default action", async () => {
    const pty = new DummyPty();
    await withEnv(new Root(), pty, async (env) => {
      const inspector = new Inspector(env.connect);
      expect(inspector.isCallable()).toBe(true);
      expect(inspector.getAction("default").isolateOneOnly).toBe(true);
      await env.connect.withHost();
      await inspector.getAction("default").call();
    });
    expect(pty.getOutput().match(/connected-42 as deployer-test/g)).toHaveLength(2);
  });

  test("asRoot opens a root shell in a real terminal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deployer-connect-"));
    scratch.push(dir);
    const script = join(dir, "as-root.ts");
    writeFileSync(script, [
      `import { Connect, Env, Node, Pty, SSHHost, arrayOf, child } from ${JSON.stringify(join(import.meta.dir, "../../engine/index.ts"))};`,
      `class H extends SSHHost { constructor() { super(); Object.assign(this, ${JSON.stringify(hostFields(fixture.hosts[0]!))}); } }`,
      `class Root extends Node { Hosts = { host: [H] }; connect = child(arrayOf(Connect)); }`,
      `const env = new Env(new Root(), { pty: new Pty(process.stdin, process.stdout, { interactive: true }) });`,
      `await env.connect.asRoot();`,
      `await Env.close(env);`,
      `process.stdout.write("SESSION OVER\\n");`,
      `process.exit(0);`,
    ].join("\n"));
    let output = "";
    const proc = await spawnPty({
      file: process.execPath,
      args: [script],
      cols: 100,
      rows: 30,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
      onData: (chunk) => { output += Buffer.from(chunk).toString(); },
    });
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 300 && !pattern.test(output); i++) await Bun.sleep(100);
      expect(output).toMatch(pattern);
    };
    await waitFor(/# $/m);
    proc.write("echo user-$(id -un)\r");
    await waitFor(/user-root/);
    proc.write("exit\r");
    await waitFor(/SESSION OVER/);
    await proc.exited;
    expect(output).not.toContain(fixture.password);
  });
});

describe("AptGet", () => {
  interface Recorded { command: string; sudo: boolean; env: Record<string, string> }
  let recorded: Recorded[] = [];
  let etc: string;
  let server: ReturnType<typeof Bun.serve>;
  let url: string;
  const armored = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot really a key\n-----END PGP PUBLIC KEY BLOCK-----\n";

  beforeAll(() => {
    etc = userDir();
    mkdirSync(join(etc, "etc/apt/sources.list.d"), { recursive: true });
    mkdirSync(join(etc, "etc/apt/trusted.gpg.d"), { recursive: true });
    server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => {
      const path = new URL(request.url).pathname;
      return path.endsWith(".asc") ? new Response(armored) : new Response(new Uint8Array([0x99, 0x01, 0x0d, 0x04]));
    } });
    url = `http://127.0.0.1:${server.port}`;
  });

  afterAll(() => {
    server.stop(true);
  });

  /**
   * Host 0, recording every command with the environment it gets. apt-get itself only simulates
   * (`install --simulate`; `update` and `dpkg -i` are recorded, not run: there is no network, and
   * the machine's packages must stay as they are), and /etc/apt is a scratch directory.
   */
  class AptHost extends (H0 as new () => SSHHost) {
    override run(command: string, options?: RunOptions): Promise<string> {
      return this.record(command, false, options);
    }
    override sudo(command: string, options?: RunOptions): Promise<string> {
      return this.record(command, true, options);
    }
    private record(command: string, sudo: boolean, options: RunOptions = {}): Promise<string> {
      recorded.push({ command, sudo, env: Object.fromEntries(this.context().env.map((e) => [e.name, e.value])) });
      // Paths already moved (file writes through sudo) start with the scratch directory, not "/etc/apt/".
      const real = command.replace(/(?<=^|[\s'"=])\/etc\/apt\//g, `${etc}/etc/apt/`).replace(/^apt-get install /, "apt-get install --simulate ");
      if (/^(apt-get update|dpkg -i)/.test(real) || real.includes("--recv-keys")) return Promise.resolve("");
      return sudo ? super.sudo(real, options) : super.run(real, options);
    }
    override exists(path: string, options?: { useSudo?: boolean }) {
      return super.exists(path.replace(/^\/etc\/apt\//, `${etc}/etc/apt/`), options);
    }
    override open(path: string, mode?: OpenMode, options?: { useSudo?: boolean }) {
      return super.open(path.replace(/^\/etc\/apt\//, `${etc}/etc/apt/`), mode, options);
    }
  }

  function aptRoot(fields: Partial<AptGet> = {}) {
    class Packages extends AptGet {
      constructor() {
        super();
        Object.assign(this, fields);
      }
    }
    class Root extends Node {
      Hosts = { host: [AptHost] };
      apt = child(justOneOf(Packages));
    }
    return new Root();
  }

  const aptCommands = () => recorded.filter((r) => /^(apt-get|dpkg)/.test(r.command));

  test("install runs apt-get through sudo, never asking questions; a missing optional package is skipped", async () => {
    recorded = [];
    const pty = new DummyPty();
    await withEnv(aptRoot({ packages: ["bash", "coreutils"], packagesIfAvailable: ["deployer-no-such-package", "sed"] }), pty, async (env) => {
      await env.apt.install();
    });
    expect(aptCommands().map((r) => r.command)).toEqual([
      "apt-get install -yq -- bash coreutils",
      "apt-get install -yq -- deployer-no-such-package",
      "apt-get install -yq -- sed",
    ]);
    for (const r of aptCommands()) expect(r).toMatchObject({ sudo: true, env: { DEBIAN_FRONTEND: "noninteractive" } });
    // Simulated: bash is either up to date or would be upgraded.
    expect(pty.getOutput()).toMatch(/bash is already the newest version|Inst bash /);
    expect(pty.getOutput()).toContain("Failed to install deployer-no-such-package on sshd0, ignoring...\n");
    expect(pty.getOutput()).not.toContain("Failed to install sed");
  });

  test.each([
    [true, false], ["yes", false], ["true", false], [false, true], ["no", true], ["false", true], ["0", true],
  ] as const)("install(skipUpdate=%p) runs apt-get update: %p", async (skipUpdate, updates) => {
    recorded = [];
    await withEnv(aptRoot({ packages: ["bash"] }), new DummyPty(), async (env) => {
      await env.apt.install(skipUpdate);
    });
    expect(aptCommands().map((r) => r.command)).toEqual([...(updates ? ["apt-get update"] : []), "apt-get install -yq -- bash"]);
  });

  test("install refuses a skipUpdate it cannot read", async () => {
    await withEnv(aptRoot(), new DummyPty(), async (env) => {
      expect(((await rejection(env.apt.install("maybe"))) as Error).message).toContain(`skipUpdate: expected yes or no`);
    });
  });

  test("dpkg packages are downloaded and installed with dpkg -i", async () => {
    recorded = [];
    await withEnv(aptRoot({ dpkgPackages: [`${url}/pool/hello_1.0_all.deb?token=a b`] }), new DummyPty(), async (env) => {
      await env.apt.install();
    });
    const wget = recorded.find((r) => r.command.startsWith("wget"));
    expect(wget?.command).toBe(`wget --output-document=hello_1.0_all.deb -- '${url}/pool/hello_1.0_all.deb?token=a b'`);
    expect(aptCommands()).toEqual([{ command: "dpkg -i -- hello_1.0_all.deb", sudo: true, env: { DEBIAN_FRONTEND: "noninteractive" } }]);
  });

  test("isPackageAvailable asks apt-cache madison", async () => {
    await withEnv(aptRoot(), new DummyPty(), async (env) => {
      expect(await env.apt.isPackageAvailable("bash")).toBe(true);
      expect(await env.apt.isPackageAvailable("deployer-no-such-package")).toBe(false);
    });
  });

  test("addSources writes the list with the codename filled in, and overwrites only when told", async () => {
    const codename = sh(". /etc/os-release && echo $VERSION_CODENAME").trim();
    const list = join(etc, "etc/apt/sources.list.d/example.list");
    await withEnv(aptRoot(), new DummyPty(), async (env) => {
      expect(await env.apt.addSources("example", ["deb http://example.invalid/debian %(distro_codename)s main", "deb-src http://example.invalid/debian ${codename} main"])).toBe(true);
      expect(readFileSync(list, "utf8")).toBe(`deb http://example.invalid/debian ${codename} main\ndeb-src http://example.invalid/debian ${codename} main\n`);
      expect(statSync(list).uid).toBe(0);
      expect(await env.apt.addSources("example", "deb http://other.invalid/ ${codename} main")).toBe(false);
      expect(await env.apt.addSources("example", "deb http://other.invalid/ ${codename} main", "yes")).toBe(true);
      expect(readFileSync(list, "utf8")).toBe(`deb http://other.invalid/ ${codename} main\n`);
      expect(((await rejection(env.apt.addSources("../evil", []))) as Error).message).toContain("cannot be a source slug");
    });
  });

  test("setupExtra adds keys for every source or one keyring, the sources, then updates", async () => {
    recorded = [];
    const fingerprint = "0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567";
    await withEnv(aptRoot({
      extraKeys: [fingerprint],
      extraKeyUrls: [`${url}/global.asc`],
      extraKeyrings: { "example.gpg": `${url}/example.gpg` },
      extraSources: { "example-repo": ["deb [signed-by=/etc/apt/keyrings/example.gpg] http://example.invalid/ ${codename} main"] },
    }), new DummyPty(), async (env) => {
      await env.apt.setupExtra();
    });
    const global = readdirSync(join(etc, "etc/apt/trusted.gpg.d")).filter((name) => name.endsWith(".asc"));
    expect(global).toEqual([`deployer-127-0-0-1-${server.port}-global-asc.asc`]);
    expect(readFileSync(join(etc, "etc/apt/trusted.gpg.d", global[0]!), "utf8")).toBe(armored);
    expect(statSync(join(etc, "etc/apt/keyrings/example.gpg")).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(etc, "etc/apt/sources.list.d/example-repo.list"), "utf8")).toContain("[signed-by=/etc/apt/keyrings/example.gpg]");
    const recv = recorded.find((r) => r.command.includes("--recv-keys"));
    expect(recv?.command).toContain("--keyserver hkp://keyserver.ubuntu.com:80 --recv-keys 0123456789ABCDEF0123456789ABCDEF01234567");
    expect(recv?.command).toContain("target=/etc/apt/trusted.gpg.d/deployer-0123456789ABCDEF0123456789ABCDEF01234567.gpg");
    expect(recorded.at(-1)).toMatchObject({ command: "apt-get update", sudo: true, env: { DEBIAN_FRONTEND: "noninteractive" } });
  });
});

describe("AnalyseHost", () => {
  class Web extends Node {
    Hosts = { web: [H0, H1] };
  }
  class Db extends Node {
    Hosts = { db: [H1], backup: H1 };
  }
  class Root extends Node {
    Hosts = { host: [H0, H1] };
    web = child(Web);
    db = child(Db);
    analyse = child(arrayOf(AnalyseHost));
  }

  test("prints each node that uses the host, with the host's roles there", async () => {
    const pty = new DummyPty();
    await withEnv(new Root(), pty, async (env) => {
      const uses = await env.analyse.analyse();
      expect(uses.get("sshd0")).toEqual([
        { path: "Root", roles: ["host"] }, { path: "Root.web", roles: ["web"] }, { path: "Root.analyse", roles: ["host"] },
      ]);
      expect(uses.get("sshd1")).toEqual([
        { path: "Root", roles: ["host"] }, { path: "Root.web", roles: ["web"] }, { path: "Root.db", roles: ["backup", "db"] },
        { path: "Root.analyse", roles: ["host"] },
      ]);
      expect(new Inspector(env.analyse).hasAction("analyise")).toBe(true);
      expect(new Inspector(env.analyse).isCallable()).toBe(true);
    });
    expect(pty.getOutput()).toContain("Root.db :: backup, db\n");
    expect(pty.getOutput()).toContain("Looking for nodes");
  });
});

test("the contrib README's deploy.ts loads, with the nodes and actions it describes", async () => {
  const readme = readFileSync(join(import.meta.dir, "../../engine/contrib/README.md"), "utf8");
  const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((block) => block.startsWith("// deploy.ts"));
  expect(example).toBeDefined();
  const dir = mkdtempSync(join(tmpdir(), "deployer-contrib-readme-"));
  scratch.push(dir);
  writeFileSync(join(dir, "deploy.ts"), example!.replace(`from "deployer"`, `from ${JSON.stringify(join(import.meta.dir, "../../engine/index.ts"))}`));
  const { default: Root } = await import(join(dir, "deploy.ts")) as { default: new () => Node };
  await withEnv(new Root(), new DummyPty(), async (env) => {
    const web = new Inspector(env).getChildnode("web");
    expect(new Inspector(web).getChildnodes().map((node) => new Inspector(node).getName())).toEqual(["app", "nginx", "packages", "connect"]);
    expect(new Inspector(new Inspector(web).getChildnode("app")).getActionNames()).toEqual(expect.arrayContaining(["lg", "checkout", "status"]));
    expect(new Inspector(web).hasAction("deploy")).toBe(true);
  });
});

test("the AptGet tests wrote only to their scratch copy of /etc/apt", () => {
  expect(existsSync("/etc/apt/sources.list.d/example.list")).toBe(false);
  expect(existsSync("/etc/apt/sources.list.d/example-repo.list")).toBe(false);
  expect(existsSync("/etc/apt/keyrings/example.gpg")).toBe(false);
});
