import { afterAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SSHHost } from "../../engine/index.ts";
import { FileError } from "../../engine/host/_backend.ts";
import { loadFixture, type FixtureHost } from "../fixture/sshd.ts";

// The fixture's sshd hosts run on this machine, and the tests run as root: files the hosts write
// are checked (and root-owned ones prepared) with node:fs directly.
const fixture = loadFixture();
const home = `/home/${fixture.username}`;
const userId = Number(Bun.spawnSync(["id", "-u", fixture.username]).stdout.toString().trim());

function hostFor(h: FixtureHost, fields: Partial<SSHHost> = {}): SSHHost {
  const Class = class extends SSHHost {
    constructor() {
      super();
      Object.assign(this, {
        slug: h.slug, address: h.address, port: h.port, username: fixture.username,
        keyFilename: fixture.clientKey, knownHostsFilename: fixture.knownHosts, password: fixture.password, ...fields,
      });
    }
  };
  return new Class();
}

const cleanups: Array<() => void> = [];
afterAll(() => { for (const fn of cleanups) fn(); });

/** A local scratch directory. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "deployer-files-it-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh directory in the fixture user's home, owned by that user. */
function userDir(): string {
  const dir = join(home, `deployer-files-${randomBytes(6).toString("hex")}`);
  mkdirSync(dir);
  chownSync(dir, userId, userId);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh root-owned directory the fixture user cannot write to (or, with mode 0700, even look into). */
function rootDir(mode = 0o755): string {
  const dir = `/etc/deployer-test-${randomBytes(6).toString("hex")}`;
  mkdirSync(dir, { mode });
  chmodSync(dir, mode);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Staging files the fixture user's sudo operations left in /tmp (there should be none). */
function strayStaging(): string[] {
  return readdirSync("/tmp").filter((name) => /^deployer-(put|get)-/.test(name) && statSync(join("/tmp", name)).uid === userId);
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(() => { throw new Error("expected a failure"); }, (error: Error) => error);
}

async function using<T>(host: SSHHost, fn: (host: SSHHost) => Promise<T>): Promise<T> {
  try {
    return await fn(host);
  } finally {
    await host.close();
  }
}

describe("files over SFTP", () => {
  test("a 5 MiB random file goes up and comes back intact on every host at once", async () => {
    const local = scratch();
    const data = randomBytes(5 * 1024 * 1024);
    writeFileSync(join(local, "random.bin"), data);
    const remote = userDir();
    const name = remote.split("/").at(-1)!;
    const finals = await Promise.all(fixture.hosts.map((h) => using(hostFor(h), async (host) => {
      const seen: number[] = [];
      // Relative to the login directory, which is the user's home.
      await host.putFile(join(local, "random.bin"), `${name}/${h.slug}.bin`, { onProgress: (done) => seen.push(done) });
      await host.getFile(`${remote}/${h.slug}.bin`, join(local, `${h.slug}.back`));
      return seen.at(-1);
    })));
    expect(finals).toEqual(fixture.hosts.map(() => data.length));
    for (const h of fixture.hosts) {
      expect(sha256(readFileSync(join(remote, `${h.slug}.bin`)))).toBe(sha256(data));
      expect(sha256(readFileSync(join(local, `${h.slug}.back`)))).toBe(sha256(data));
      expect(statSync(join(remote, `${h.slug}.bin`)).uid).toBe(userId);
    }
    expect(readdirSync(remote).sort()).toEqual(fixture.hosts.map((h) => `${h.slug}.bin`).sort());
  });

  test("open writes and reads text, bytes and appends", async () => {
    const dir = userDir();
    await using(hostFor(fixture.hosts[0]!), async (host) => {
      const text = await host.open(`${dir}/notes.txt`, "w");
      await text.write("ünïcode ✓\n");
      await text.close();
      const more = await host.open(`${dir}/notes.txt`, "a");
      await more.write("second line\n");
      await more.close();
      expect(await (await host.open(`${dir}/notes.txt`)).read()).toBe("ünïcode ✓\nsecond line\n");

      const bytes = new Uint8Array(256).map((_, i) => i);
      const binary = await host.open(`${dir}/bytes.bin`, "wb");
      await binary.write(bytes);
      await binary.close();
      const back = await (await host.open(`${dir}/bytes.bin`, "rb")).read();
      expect(Buffer.from(back as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    });
    expect(readdirSync(dir).sort()).toEqual(["bytes.bin", "notes.txt"]);
    expect(statSync(join(dir, "notes.txt")).mode & 0o777).toBe(0o644);
  });

  test("a new file from putFile takes the source's mode without group or world write", async () => {
    const dir = userDir();
    const local = scratch();
    writeFileSync(join(local, "tool.sh"), "#!/bin/sh\n");
    chmodSync(join(local, "tool.sh"), 0o775);
    await using(hostFor(fixture.hosts[2]!), (host) => host.putFile(join(local, "tool.sh"), `${dir}/tool.sh`));
    expect(statSync(join(dir, "tool.sh")).mode & 0o777).toBe(0o755);
  });

  test("a write that replaces a file keeps its mode and leaves no temp files", async () => {
    const dir = userDir();
    writeFileSync(join(dir, "app.conf"), "old");
    chownSync(join(dir, "app.conf"), userId, userId);
    chmodSync(join(dir, "app.conf"), 0o640);
    await using(hostFor(fixture.hosts[1]!), async (host) => {
      const file = await host.cd(dir).open("app.conf", "w");
      await file.write("new");
      await file.close();
    });
    expect(readFileSync(join(dir, "app.conf"), "utf8")).toBe("new");
    expect(statSync(join(dir, "app.conf")).mode & 0o7777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["app.conf"]);
  });

  test("exists, stat, listdir and listdirStat describe remote files", async () => {
    const dir = userDir();
    for (const name of ["b.txt", "A.txt", ".hidden"]) writeFileSync(join(dir, name), name);
    mkdirSync(join(dir, "sub"));
    await using(hostFor(fixture.hosts[2]!), async (host) => {
      await host.cd(dir, async () => {
        expect(await host.exists("b.txt")).toBe(true);
        expect(await host.exists("sub")).toBe(true);
        expect(await host.exists("missing")).toBe(false);
        expect(await host.listdir()).toEqual([".hidden", "A.txt", "b.txt", "sub"]);
        const local = statSync(join(dir, "b.txt"));
        expect(await host.stat("b.txt")).toEqual({
          filename: "b.txt", isDir: false, isFile: true, stSize: 5, stUid: local.uid, stGid: local.gid, stMode: local.mode,
        });
        const entries = await host.listdirStat(".");
        expect(entries.map((s) => [s.filename, s.isDir, s.stSize])).toEqual([
          [".hidden", false, 7], ["A.txt", false, 5], ["b.txt", false, 5], ["sub", true, statSync(join(dir, "sub")).size],
        ]);
      });
    });
  });

  test("a missing remote file fails with one line naming the host and the path", async () => {
    const dir = userDir();
    await using(hostFor(fixture.hosts[0]!), async (host) => {
      const local = scratch();
      const get = await rejection(host.getFile(`${dir}/missing.conf`, join(local, "x")));
      expect(get).toBeInstanceOf(FileError);
      expect(get.message).toBe(`cannot read ${dir}/missing.conf on sshd0: no such file`);
      expect(readdirSync(local)).toEqual([]);
      const open = await rejection(host.open(`${dir}/missing.conf`));
      expect(open.message).toBe(`cannot read ${dir}/missing.conf on sshd0: no such file`);
      const stat = await rejection(host.stat(`${dir}/missing.conf`));
      expect(stat.message).toBe(`cannot stat ${dir}/missing.conf on sshd0: no such file`);
    });
  });

  test("writing into a root-owned directory without sudo fails with permission denied", async () => {
    const dir = rootDir();
    await using(hostFor(fixture.hosts[0]!), async (host) => {
      const file = await host.open(`${dir}/x.conf`, "w");
      await file.write("data");
      const error = await rejection(file.close());
      expect((error as FileError).code).toBe("EACCES");
      expect(error.message).toBe(`cannot write ${dir}/x.conf on sshd0: permission denied to create a temporary file in ${dir} (try useSudo)`);
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("files with sudo over SSH", () => {
  test("a sudo write into a root-owned directory makes a root-owned 0644 file", async () => {
    const dir = rootDir();
    await using(hostFor(fixture.hosts[0]!), async (host) => {
      const file = await host.open(`${dir}/new.conf`, "w", { useSudo: true });
      await file.write("created\n");
      await file.close();
    });
    const stat = statSync(join(dir, "new.conf"));
    expect([stat.uid, stat.gid, stat.mode & 0o7777]).toEqual([0, 0, 0o644]);
    expect(readFileSync(join(dir, "new.conf"), "utf8")).toBe("created\n");
    expect(readdirSync(dir)).toEqual(["new.conf"]);
    expect(strayStaging()).toEqual([]);
  });

  test("a sudo write over an existing file keeps its owner, group and mode", async () => {
    const dir = rootDir();
    writeFileSync(join(dir, "daemon.conf"), "old\n");
    chownSync(join(dir, "daemon.conf"), 1, 1);
    chmodSync(join(dir, "daemon.conf"), 0o640);
    await using(hostFor(fixture.hosts[1]!), async (host) => {
      const file = await host.open(`${dir}/daemon.conf`, "w", { useSudo: true });
      await file.write("new\n");
      await file.close();
      const more = await host.open(`${dir}/daemon.conf`, "a", { useSudo: true });
      await more.write("appended\n");
      await more.close();
    });
    const stat = statSync(join(dir, "daemon.conf"));
    expect([stat.uid, stat.gid, stat.mode & 0o7777]).toEqual([1, 1, 0o640]);
    expect(readFileSync(join(dir, "daemon.conf"), "utf8")).toBe("new\nappended\n");
    expect(readdirSync(dir)).toEqual(["daemon.conf"]);
    expect(strayStaging()).toEqual([]);
  });

  test("a sudo read gets a root-only file's bytes, which a plain read may not", async () => {
    const dir = rootDir(0o700);
    const secret = randomBytes(4096);
    writeFileSync(join(dir, "secret.key"), secret, { mode: 0o600 });
    await using(hostFor(fixture.hosts[2]!), async (host) => {
      const plain = await rejection(host.open(`${dir}/secret.key`, "rb"));
      expect(plain.message).toBe(`cannot read ${dir}/secret.key on sshd2: permission denied`);
      expect(await host.exists(`${dir}/secret.key`)).toBe(false);
      expect(await host.exists(`${dir}/secret.key`, { useSudo: true })).toBe(true);
      expect(await host.exists(`${dir}/other.key`, { useSudo: true })).toBe(false);

      const read = await (await host.open(`${dir}/secret.key`, "rb", { useSudo: true })).read();
      expect(sha256(read as Uint8Array)).toBe(sha256(secret));
      const local = scratch();
      await host.getFile(`${dir}/secret.key`, join(local, "copy.key"), { useSudo: true });
      expect(sha256(readFileSync(join(local, "copy.key")))).toBe(sha256(secret));
      const missing = await rejection(host.open(`${dir}/absent.key`, "r", { useSudo: true }));
      expect(missing.message).toBe(`cannot read ${dir}/absent.key on sshd2: no such file`);
    });
    expect(readdirSync(dir)).toEqual(["secret.key"]);
    expect(statSync(join(dir, "secret.key")).uid).toBe(0);
    expect(strayStaging()).toEqual([]);
  });

  test("a sudo putFile lands a binary file whole in a root-owned directory", async () => {
    const dir = rootDir();
    const local = scratch();
    const data = randomBytes(2 * 1024 * 1024 + 3);
    writeFileSync(join(local, "blob"), data);
    writeFileSync(join(dir, "blob"), "old");
    chmodSync(join(dir, "blob"), 0o600);
    await using(hostFor(fixture.hosts[0]!), async (host) => {
      const seen: number[] = [];
      await host.putFile(join(local, "blob"), `${dir}/blob`, { useSudo: true, onProgress: (done) => seen.push(done) });
      expect(seen.at(-1)).toBe(data.length);
    });
    expect(sha256(readFileSync(join(dir, "blob")))).toBe(sha256(data));
    const stat = statSync(join(dir, "blob"));
    expect([stat.uid, stat.mode & 0o7777]).toEqual([0, 0o600]);
    expect(readdirSync(dir)).toEqual(["blob"]);
    expect(strayStaging()).toEqual([]);
  });

  test("a sudo write into a missing directory fails with no such file and leaves nothing behind", async () => {
    const dir = rootDir();
    await using(hostFor(fixture.hosts[1]!), async (host) => {
      const file = await host.open(`${dir}/missing/x.conf`, "w", { useSudo: true });
      await file.write("data");
      const error = await rejection(file.close());
      expect(error.message).toBe(`cannot write ${dir}/missing/x.conf on sshd1: no such file`);
    });
    expect(readdirSync(dir)).toEqual([]);
    expect(strayStaging()).toEqual([]);
  });
});
