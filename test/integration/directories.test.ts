// putDirectory / getDirectory against the fixture's sshd (and LocalHost): whole trees go up and
// come back byte for byte, with their modes; symbolic links to files are copied as files and to
// directories left out (and said); a failure is named and leaves no partial file.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalHost, SSHHost, type Host } from "../../engine/index.ts";
import { loadFixture } from "../fixture/sshd.ts";

const fixture = loadFixture();
const home = `/home/${fixture.username}`;
const userId = Number(spawnSync("id", ["-u", fixture.username], { encoding: "utf8" }).stdout.trim());
const cleanups: Array<() => void> = [];
afterAll(() => { for (const fn of cleanups) fn(); });

class Remote extends SSHHost {
  slug = fixture.hosts[0]!.slug; address = fixture.hosts[0]!.address; port = fixture.hosts[0]!.port;
  username = fixture.username; keyFilename = fixture.clientKey; knownHostsFilename = fixture.knownHosts; password = fixture.password;
}

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "deployer-dirs-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh directory in the fixture user's home, owned by that user. */
function userDir(): string {
  const dir = join(home, `deployer-dirs-${randomBytes(6).toString("hex")}`);
  mkdirSync(dir);
  chownSync(dir, userId, userId);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A tree: `count` small files over nested folders, an odd name, an empty folder, an executable, links. */
function makeTree(count = 300): string {
  const root = join(scratch(), "site");
  mkdirSync(join(root, "a", "b", "c"), { recursive: true });
  mkdirSync(join(root, "empty"));
  for (let i = 0; i < count; i++) writeFileSync(join(root, ["", "a", "a/b", "a/b/c"][i % 4]!, `f${i}.txt`), randomBytes(i * 13));
  writeFileSync(join(root, "it's $(odd) name\n.txt"), "odd\n");
  writeFileSync(join(root, "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  chmodSync(join(root, "run.sh"), 0o755);
  symlinkSync("run.sh", join(root, "link-to-file"));
  symlinkSync("a", join(root, "link-to-dir"));
  chmodSync(root, 0o755);
  return root;
}

/** Every path under `root` with its type, mode and (for files) content, for comparing trees. */
function describeTree(root: string): string[] {
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = relative ? join(relative, name) : name;
      const stat = statSync(join(root, path));
      if (stat.isDirectory()) {
        out.push(`${path}/ ${(stat.mode & 0o777).toString(8)}`);
        walk(path);
      } else {
        out.push(`${path} ${(stat.mode & 0o777).toString(8)} ${readFileSync(join(root, path)).toString("base64")}`);
      }
    }
  };
  walk("");
  return out;
}

/** The files under `root` (following links to files, not to folders), relative to it. */
function filesOf(root: string, relative = ""): string[] {
  return readdirSync(join(root, relative)).sort().flatMap((name) => {
    const path = relative ? join(relative, name) : name;
    const stat = statSync(join(root, path));
    if (!stat.isDirectory()) return [path];
    return name === "link-to-dir" ? [] : filesOf(root, path);
  });
}

const expected = (tree: string) => describeTree(tree).filter((line) => !line.startsWith("link-to-dir"));

describe.each([
  ["SSHHost", () => new Remote() as Host, userDir],
  ["LocalHost", () => new LocalHost() as Host, scratch],
] as const)("%s directories", (_, makeHost, makeDir) => {
  test("putDirectory copies the tree (files, modes, empty folders), following links to files and leaving out links to folders", async () => {
    const host = makeHost();
    try {
      const tree = makeTree();
      const dest = join(makeDir(), "deep", "er", "site");
      const copy = await host.putDirectory(tree, dest);
      expect(copy).toEqual({ files: 303, bytes: expect.any(Number), directories: 5, skipped: ["link-to-dir"] });
      expect(describeTree(dest)).toEqual(expected(tree));
      expect(statSync(join(dest, "link-to-file")).isSymbolicLink()).toBe(false);
      // No temporary file is left anywhere.
      expect(describeTree(dest).some((line) => line.includes(".deployer-"))).toBe(false);
    } finally {
      await host.close();
    }
  }, 60_000);

  test("getDirectory brings it back identical; existing files are replaced, others left alone", async () => {
    const host = makeHost();
    try {
      const tree = makeTree();
      const remote = join(makeDir(), "site");
      await host.putDirectory(tree, remote);
      const back = join(scratch(), "back");
      mkdirSync(join(back, "a"), { recursive: true });
      writeFileSync(join(back, "a", "f1.txt"), "old content");
      writeFileSync(join(back, "mine.txt"), "keep me");
      const copy = await host.getDirectory(remote, back);
      expect(copy.files).toBe(303);
      expect(describeTree(back).filter((line) => !line.startsWith("mine.txt"))).toEqual(expected(tree));
      expect(readFileSync(join(back, "mine.txt"), "utf8")).toBe("keep me");
    } finally {
      await host.close();
    }
  }, 60_000);

  test("a file where a folder must go fails by name, and a missing source is named", async () => {
    const host = makeHost();
    try {
      const tree = makeTree();
      const dest = join(makeDir(), "site");
      await host.putDirectory(tree, dest);
      rmSync(join(dest, "a"), { recursive: true });
      writeFileSync(join(dest, "a"), "a file in the way");
      await expect(host.putDirectory(tree, dest)).rejects.toThrow(`cannot create directory ${join(dest, "a")} on ${host.name}: a file is in the way`);
      await expect(host.putDirectory(join(tree, "nope"), dest)).rejects.toThrow(`cannot read local directory ${join(tree, "nope")}`);
      await expect(host.getDirectory(join(dest, "run.sh"), scratch())).rejects.toThrow("not a directory");
    } finally {
      await host.close();
    }
  }, 60_000);
});

describe("SSHHost directories with sudo", () => {
  test("putDirectory with useSudo writes a tree where only root may", async () => {
    const host = new Remote();
    try {
      const tree = makeTree(20); // each file through sudo is a command of its own: fewer files
      const dest = `/etc/deployer-dirs-${randomBytes(6).toString("hex")}`;
      cleanups.push(() => rmSync(dest, { recursive: true, force: true }));
      const copy = await host.putDirectory(tree, dest, { useSudo: true });
      expect(copy.files).toBe(23);
      expect(readdirSync(dest).sort()).toEqual(readdirSync(tree).filter((n) => n !== "link-to-dir").sort());
      for (const path of filesOf(tree)) expect(readFileSync(join(dest, path)).equals(readFileSync(join(tree, path)))).toBe(true);
      expect(statSync(join(dest, "a", "b")).uid).toBe(0);
      expect(existsSync(join(dest, "empty"))).toBe(true);
    } finally {
      await host.close();
    }
  }, 60_000);
});
