import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, lstatSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable, type Readable } from "node:stream";
import { DummyPty, LocalHost } from "../../engine/index.ts";
import { LoggerInterface } from "../../engine/loggers/index.ts";
import { FileError, type FileStat, type FileSystem } from "../../engine/host/_backend.ts";
import { LocalFileSystem } from "../../engine/host/_local_fs.ts";

const roots: string[] = [];
afterAll(() => { for (const dir of roots) rmSync(dir, { recursive: true, force: true }); });

/** A fresh empty directory, removed after the tests. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "deployer-files-"));
  roots.push(dir);
  return dir;
}

class Local extends LocalHost { override slug = "local"; }

/** Everything in `dir` but the names given: what a failed write must not leave behind. */
function leftovers(dir: string, ...expected: string[]): string[] {
  return readdirSync(dir).filter((name) => !expected.includes(name));
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(() => { throw new Error("expected a failure"); }, (error: Error) => error);
}

/** A FileSystem whose streams fail after `limit` bytes, as a full disk or a dropped connection would. */
class FailingStreams implements FileSystem {
  constructor(private readonly inner: FileSystem, private readonly limit: number) {}
  home() { return this.inner.home(); }
  stat(path: string) { return this.inner.stat(path); }
  lstat(path: string) { return this.inner.lstat(path); }
  readdir(path: string) { return this.inner.readdir(path); }
  freeSpace(path: string) { return this.inner.freeSpace(path); }
  createReadStream(path: string): Readable {
    const inner = this.inner.createReadStream(path);
    const out = new PassThrough();
    let read = 0;
    inner.on("data", (chunk: Buffer) => {
      read += chunk.length;
      if (read > this.limit) {
        inner.destroy();
        out.destroy(new FileError("EIO", path, `cannot read ${path}: connection lost (simulated)`));
      } else out.write(chunk);
    });
    inner.on("end", () => out.end());
    inner.on("error", (error) => out.destroy(error));
    return out;
  }
  rename(from: string, to: string) { return this.inner.rename(from, to); }
  unlink(path: string) { return this.inner.unlink(path); }
  chmod(path: string, mode: number) { return this.inner.chmod(path, mode); }
  mkdir(path: string, options?: { mode?: number }) { return this.inner.mkdir(path, options); }
  createWriteStream(path: string, options?: { mode?: number }): Writable {
    const inner = this.inner.createWriteStream(path, options);
    let written = 0;
    const limit = this.limit;
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        if (written > limit) return callback(new FileError("EIO", path, `cannot write ${path}: no space left (simulated)`));
        inner.write(chunk, callback);
      },
      final(callback) { inner.end(callback); },
      destroy(error, callback) { inner.destroy(); callback(error); },
    });
  }
}

class FlakyLocal extends LocalHost {
  override slug = "flaky";
  override async files(): Promise<FileSystem> {
    return new FailingStreams(await super.files(), 1000);
  }
}

describe("open on a local host", () => {
  test("text written in mode w reads back the same in mode r", async () => {
    const host = new Local();
    const path = join(scratch(), "greeting.txt");
    const file = await host.open(path, "w");
    await file.write("héllo, ");
    await file.write("wörld ✓\n");
    await file.close();
    expect(await (await host.open(path, "r")).read()).toBe("héllo, wörld ✓\n");
    expect(readFileSync(path, "utf8")).toBe("héllo, wörld ✓\n");
  });

  test("bytes written in mode wb read back identical, all 256 values", async () => {
    const host = new Local();
    const path = join(scratch(), "bytes.bin");
    const bytes = new Uint8Array(512).map((_, i) => i % 256);
    const file = await host.open(path, "wb");
    await file.write(bytes);
    await file.close();
    const back = await (await host.open(path, "rb")).read();
    expect(back).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
  });

  test("append mode keeps the existing content and adds to it", async () => {
    const host = new Local();
    const dir = scratch();
    writeFileSync(join(dir, "log"), "one\n");
    const text = await host.open(join(dir, "log"), "a");
    await text.write("two\n");
    await text.close();
    const bytes = await host.open(join(dir, "log"), "ab");
    await bytes.write(new Uint8Array([0, 255]));
    await bytes.close();
    expect(readFileSync(join(dir, "log"))).toEqual(Buffer.concat([Buffer.from("one\ntwo\n"), Buffer.from([0, 255])]));
  });

  test("append mode on a missing file creates it", async () => {
    const host = new Local();
    const path = join(scratch(), "new.log");
    const file = await host.open(path, "a");
    await file.write("first\n");
    await file.close();
    expect(readFileSync(path, "utf8")).toBe("first\n");
  });

  test("a write lands only when the file is closed", async () => {
    const host = new Local();
    const path = join(scratch(), "config");
    writeFileSync(path, "old");
    const file = await host.open(path, "w");
    await file.write("new");
    expect(readFileSync(path, "utf8")).toBe("old");
    await file.close();
    expect(readFileSync(path, "utf8")).toBe("new");
  });

  test("a write that fails midway leaves the original untouched and no temp files", async () => {
    const host = new FlakyLocal();
    const dir = scratch();
    writeFileSync(join(dir, "config"), "original");
    const file = await host.open(join(dir, "config"), "w");
    await file.write("x".repeat(5000));
    const error = await rejection(file.close());
    expect(error).toBeInstanceOf(FileError);
    expect(error.message).toBe(`cannot write ${join(dir, "config")} on flaky: no space left (simulated)`);
    expect(readFileSync(join(dir, "config"), "utf8")).toBe("original");
    expect(leftovers(dir, "config")).toEqual([]);
  });

  test("a discarded write leaves the original untouched", async () => {
    const host = new Local();
    const dir = scratch();
    writeFileSync(join(dir, "config"), "original");
    const file = await host.open(join(dir, "config"), "w");
    await file.write("half-done");
    await file.discard();
    await file.close();
    expect(readFileSync(join(dir, "config"), "utf8")).toBe("original");
    expect(leftovers(dir, "config")).toEqual([]);
  });

  test("a write keeps the mode of the file it replaces", async () => {
    const host = new Local();
    const path = join(scratch(), "secret");
    writeFileSync(path, "old");
    chmodSync(path, 0o640);
    const file = await host.open(path, "w");
    await file.write("new");
    await file.close();
    expect(statSync(path).mode & 0o7777).toBe(0o640);
  });

  test("a write through a symbolic link replaces the link's target and keeps the link", async () => {
    const host = new Local();
    const dir = scratch();
    writeFileSync(join(dir, "real"), "old");
    symlinkSync("real", join(dir, "link"));
    const file = await host.open(join(dir, "link"), "w");
    await file.write("new");
    await file.close();
    expect(lstatSync(join(dir, "link")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "real"), "utf8")).toBe("new");
  });

  test("a read handle gives the whole file once, then nothing, like a file at its end", async () => {
    const host = new Local();
    const path = join(scratch(), "once");
    writeFileSync(path, "content");
    const file = await host.open(path);
    expect(await file.read()).toBe("content");
    expect(await file.read()).toBe("");
  });

  test("reading or writing after close throws", async () => {
    const host = new Local();
    const path = join(scratch(), "closed");
    writeFileSync(path, "x");
    const reader = await host.open(path, "r");
    await reader.close();
    expect((await rejection(reader.read())).message).toBe(`cannot read ${path} on local: the file is closed`);
    const writer = await host.open(path, "w");
    await writer.close();
    expect((await rejection(writer.write("y"))).message).toBe(`cannot write ${path} on local: the file is closed`);
  });

  test("text mode takes strings and binary mode takes bytes", async () => {
    const host = new Local();
    const dir = scratch();
    const text = await host.open(join(dir, "t"), "w");
    expect(await rejection(text.write(new Uint8Array([1])))).toBeInstanceOf(TypeError);
    const binary = await host.open(join(dir, "b"), "wb");
    expect(await rejection(binary.write("x"))).toBeInstanceOf(TypeError);
    expect(await rejection(host.open(join(dir, "t"), "x" as "r"))).toBeInstanceOf(TypeError);
  });

  test("reading bytes that are not UTF-8 as text fails with a hint to read bytes", async () => {
    const host = new Local();
    const path = join(scratch(), "latin1");
    writeFileSync(path, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    const error = await rejection((await host.open(path)).read());
    expect(error.message).toBe(`cannot read ${path} on local: not UTF-8 text (open it with "rb" for bytes)`);
  });

  test.each([
    ["a missing file", "missing.txt", "no such file", "ENOENT"],
    ["a directory", ".", "is a directory", "EISDIR"],
  ])("opening %s for reading fails with one line naming the host and the path", async (_what, name, reason, code) => {
    const host = new Local();
    const dir = scratch();
    const path = join(dir, name).replace(/\/\.$/, "");
    const error = await rejection(host.open(join(dir, name)));
    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).code).toBe(code);
    expect(error.message).toBe(`cannot read ${path} on local: ${reason}`);
  });

  test("opening a file in a missing directory for writing fails at once", async () => {
    const host = new Local();
    const path = join(scratch(), "nowhere", "file");
    const error = await rejection(host.open(path, "w"));
    expect(error.message).toBe(`cannot write ${path} on local: no such file`);
  });
});

describe("relative paths on a local host", () => {
  test("resolve against a scoped cd, for every file operation", async () => {
    const host = new Local();
    const dir = scratch();
    const source = join(scratch(), "source");
    writeFileSync(source, "put");
    await host.cd(dir, async () => {
      const file = await host.open("written", "w");
      await file.write("opened");
      await file.close();
      await host.putFile(source, "put");
      await host.getFile("put", join(dir, "got"));
      expect(await host.exists("written")).toBe(true);
      expect((await host.stat("put")).stSize).toBe(3);
      expect(await host.listdir()).toEqual(["got", "put", "written"]);
      expect(await host.cd("..", () => host.listdir())).toContain(dir.split("/").at(-1)!);
    });
    expect(readFileSync(join(dir, "written"), "utf8")).toBe("opened");
    expect(readFileSync(join(dir, "got"), "utf8")).toBe("put");
  });

  test("resolve against a derived cd handle, nested ones too", async () => {
    const host = new Local();
    const dir = scratch();
    mkdirSync(join(dir, "sub dir"));
    const file = await host.cd(dir).cd("sub dir").open("x", "w");
    await file.write("nested");
    await file.close();
    expect(readFileSync(join(dir, "sub dir", "x"), "utf8")).toBe("nested");
    expect(await (await host.cd(dir).open("sub dir/x")).read()).toBe("nested");
    expect(await host.cd(dir).listdir("sub dir")).toEqual(["x"]);
  });
});

describe("stat, listdir and exists on a local host", () => {
  test("listdir returns the names sorted, hidden ones included", async () => {
    const host = new Local();
    const dir = scratch();
    for (const name of ["b", "B", "a", ".hidden", "_x", "a.b", "10", "9"]) writeFileSync(join(dir, name), "");
    expect(await host.listdir(dir)).toEqual([".hidden", "10", "9", "B", "_x", "a", "a.b", "b"]);
  });

  test("stat reports the name, type, size, owner and mode", async () => {
    const host = new Local();
    const dir = scratch();
    writeFileSync(join(dir, "file"), "12345");
    chmodSync(join(dir, "file"), 0o604);
    const expected = statSync(join(dir, "file"));
    expect(await host.stat(join(dir, "file"))).toEqual({
      filename: "file", isDir: false, isFile: true, stSize: 5, stUid: expected.uid, stGid: expected.gid, stMode: 0o100604,
    });
    const self = await host.stat(dir);
    expect([self.filename, self.isDir, self.isFile]).toEqual([dir.split("/").at(-1)!, true, false]);
  });

  test("listdirStat gives a Stat per entry, following symbolic links", async () => {
    const host = new Local();
    const dir = scratch();
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "file"), "abc");
    symlinkSync("sub", join(dir, "link-to-dir"));
    symlinkSync("missing", join(dir, "dangling"));
    const stats = await host.listdirStat(dir);
    expect(stats.map((s) => [s.filename, s.isDir, s.isFile])).toEqual([
      ["dangling", false, false], ["file", false, true], ["link-to-dir", true, false], ["sub", true, false],
    ]);
    expect(stats[1]!.stSize).toBe(3);
  });

  test("exists is true for files and directories and false for missing paths", async () => {
    const host = new Local();
    const dir = scratch();
    writeFileSync(join(dir, "file"), "");
    expect(await host.exists(join(dir, "file"))).toBe(true);
    expect(await host.exists(dir)).toBe(true);
    expect(await host.exists(join(dir, "missing"))).toBe(false);
    expect(await host.exists(join(dir, "file", "below-a-file"))).toBe(false);
  });

  test("stat of a missing path fails with one line naming the host and the path", async () => {
    const error = await rejection(new Local().stat("/nonexistent-deployer-path"));
    expect(error.message).toBe("cannot stat /nonexistent-deployer-path on local: no such file");
  });
});

describe("putFile and getFile on a local host", () => {
  test("copy a file whole and report progress rising to its size", async () => {
    const host = new Local();
    const dir = scratch();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(dir, "source"), data);
    for (const copy of [
      (onProgress: (done: number, total: number | undefined) => void) => host.putFile(join(dir, "source"), join(dir, "put"), { onProgress }),
      (onProgress: (done: number, total: number | undefined) => void) => host.getFile(join(dir, "put"), join(dir, "got"), { onProgress }),
    ]) {
      const seen: Array<[number, number | undefined]> = [];
      await copy((done, total) => seen.push([done, total]));
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.every(([done], i) => i === 0 || done > seen[i - 1]![0])).toBe(true);
      expect(seen.at(-1)).toEqual([data.length, data.length]);
    }
    expect(readFileSync(join(dir, "got")).equals(data)).toBe(true);
  });

  test("an empty file reports its progress once, at zero of zero", async () => {
    const host = new Local();
    const dir = scratch();
    writeFileSync(join(dir, "empty"), "");
    const seen: Array<[number, number | undefined]> = [];
    await host.putFile(join(dir, "empty"), join(dir, "copy"), { onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([[0, 0]]);
    expect(readFileSync(join(dir, "copy"), "utf8")).toBe("");
  });

  test("a large transfer without onProgress shows a progress bar on the host's console", async () => {
    const pty = new DummyPty();
    const host = new Local().attach({ pty, logger: new LoggerInterface(), isSandbox: false });
    const dir = scratch();
    writeFileSync(join(dir, "big"), randomBytes(2 * 1024 * 1024));
    writeFileSync(join(dir, "small"), "tiny");
    await host.putFile(join(dir, "small"), join(dir, "small-copy"));
    expect(pty.getOutput()).toBe("");
    await host.putFile(join(dir, "big"), join(dir, "big-copy"));
    expect(pty.getOutput()).toContain("Uploading big to local: 2.0 MiB of 2.0 MiB [100%]");
  });

  test("a new copy takes the source's permissions; a replaced file keeps its own", async () => {
    const host = new Local();
    const dir = scratch();
    writeFileSync(join(dir, "script"), "#!/bin/sh\n");
    chmodSync(join(dir, "script"), 0o755);
    writeFileSync(join(dir, "existing"), "old");
    chmodSync(join(dir, "existing"), 0o600);
    await host.putFile(join(dir, "script"), join(dir, "new"));
    await host.putFile(join(dir, "script"), join(dir, "existing"));
    expect(statSync(join(dir, "new")).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, "existing")).mode & 0o777).toBe(0o600);
  });

  test("a failed putFile leaves the destination untouched and no temp files", async () => {
    const host = new FlakyLocal();
    const dir = scratch();
    writeFileSync(join(dir, "source"), randomBytes(100_000));
    writeFileSync(join(dir, "dest"), "original");
    const error = await rejection(host.putFile(join(dir, "source"), join(dir, "dest"), { onProgress: () => {} }));
    expect(error.message).toBe(`cannot write ${join(dir, "dest")} on flaky: no space left (simulated)`);
    expect(readFileSync(join(dir, "dest"), "utf8")).toBe("original");
    expect(leftovers(dir, "source", "dest")).toEqual([]);
  });

  test("a failed getFile leaves the local destination untouched and no temp files", async () => {
    const host = new FlakyLocal();
    const dir = scratch();
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "source"), randomBytes(100_000));
    writeFileSync(join(dir, "out", "dest"), "original");
    const error = await rejection(host.getFile(join(dir, "source"), join(dir, "out", "dest"), { onProgress: () => {} }));
    expect(error.message).toBe(`cannot read ${join(dir, "source")} on flaky: connection lost (simulated)`);
    expect(readFileSync(join(dir, "out", "dest"), "utf8")).toBe("original");
    expect(leftovers(join(dir, "out"), "dest")).toEqual([]);
  });

  test("getFile of a directory fails before anything lands", async () => {
    const host = new Local();
    const dir = scratch();
    mkdirSync(join(dir, "sub"));
    const error = await rejection(host.getFile(join(dir, "sub"), join(dir, "dest")));
    expect(error.message).toBe(`cannot read ${join(dir, "sub")} on local: is a directory`);
    expect(leftovers(dir, "sub")).toEqual([]);
  });

  test.each([
    ["putFile", "a missing local file", (host: LocalHost, dir: string) => host.putFile(join(dir, "missing"), join(dir, "x")), (dir: string) => `cannot read local file ${dir}/missing: no such file`],
    ["getFile", "a missing host file", (host: LocalHost, dir: string) => host.getFile(join(dir, "missing"), join(dir, "x")), (dir: string) => `cannot read ${dir}/missing on local: no such file`],
  ])("%s of %s fails with one line naming it", async (_name, _what, copy, message) => {
    const dir = scratch();
    const error = await rejection(copy(new Local(), dir));
    expect(error).toBeInstanceOf(FileError);
    expect(error.message).toBe(message(dir));
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  test("~ in a local path means the user's home directory", async () => {
    const host = new Local();
    const dir = scratch();
    const name = `.deployer-files-test-${randomBytes(6).toString("hex")}`;
    writeFileSync(join(dir, "source"), "home");
    try {
      await host.getFile(join(dir, "source"), `~/${name}`);
      expect(readFileSync(join(homedir(), name), "utf8")).toBe("home");
      await host.putFile(`~/${name}`, join(dir, "back"));
      expect(readFileSync(join(dir, "back"), "utf8")).toBe("home");
    } finally {
      rmSync(join(homedir(), name), { force: true });
    }
  });

  test("~ in a host path means the login user's home directory", async () => {
    const host = new Local();
    const name = `.deployer-files-test-${randomBytes(6).toString("hex")}`;
    try {
      const file = await host.open(`~/${name}`, "w");
      await file.write("tilde");
      await file.close();
      expect(readFileSync(join(homedir(), name), "utf8")).toBe("tilde");
    } finally {
      rmSync(join(homedir(), name), { force: true });
      rmSync(join(process.cwd(), name), { force: true });
    }
  });
});

describe("a sandbox run on a local host", () => {
  test("writes nothing: write handles discard and putFile only checks its source", async () => {
    const host = new Local().attach({ pty: new DummyPty(), logger: new LoggerInterface(), isSandbox: true });
    const dir = scratch();
    writeFileSync(join(dir, "source"), "data");
    const file = await host.open(join(dir, "written"), "w");
    await file.write("nothing");
    await file.close();
    await host.putFile(join(dir, "source"), join(dir, "put"));
    expect(readdirSync(dir)).toEqual(["source"]);
    expect((await rejection(host.putFile(join(dir, "missing"), join(dir, "put")))).message).toContain("no such file");
  });
});

describe("LocalFileSystem", () => {
  test("resolves relative paths against the working directory it started in", async () => {
    const fs = new LocalFileSystem();
    expect(await fs.home()).toBe(process.cwd());
    expect((await fs.stat("package.json")).isFile).toBe(true);
  });

  test.each([
    ["a missing file", (fs: FileSystem, dir: string) => fs.stat(join(dir, "missing")), "ENOENT", "no such file"],
    ["a path below a file", (fs: FileSystem, dir: string) => fs.stat(join(dir, "file", "x")), "ENOTDIR", "not a directory"],
    ["an existing directory", (fs: FileSystem, dir: string) => fs.mkdir(join(dir, "sub")), "EEXIST", "already exists"],
    ["a file as a directory", (fs: FileSystem, dir: string) => fs.readdir(join(dir, "file")), "ENOTDIR", "not a directory"],
    ["a directory as a file", (fs: FileSystem, dir: string) => fs.unlink(join(dir, "sub")), "EISDIR", "is a directory"],
  ])("reports %s as a FileError with a POSIX code", async (_what, call, code, reason) => {
    const dir = scratch();
    writeFileSync(join(dir, "file"), "");
    mkdirSync(join(dir, "sub"));
    const error = await rejection(call(new LocalFileSystem("box"), dir));
    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).code).toBe(code);
    expect(error.message).toEndWith(` on box: ${reason}`);
  });

  test("reports a failing read stream as a FileError", async () => {
    const stream = new LocalFileSystem().createReadStream("/nonexistent-deployer-path");
    const error = await new Promise<unknown>((resolve) => stream.on("error", resolve));
    expect(error).toBeInstanceOf(FileError);
    expect((error as FileError).code).toBe("ENOENT");
  });

  test("readdir lists entries sorted by name, without . and .., symbolic links not followed", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "b"), "");
    mkdirSync(join(dir, "a"));
    symlinkSync("a", join(dir, "c"));
    const entries: FileStat[] = await new LocalFileSystem().readdir(dir);
    expect(entries.map((e) => [e.filename, e.isDir, e.isFile, e.isSymlink])).toEqual([
      ["a", true, false, false], ["b", false, true, false], ["c", false, false, true],
    ]);
  });
});
