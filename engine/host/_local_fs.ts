// This machine's files, behind the same FileSystem interface as SFTP. node:fs errors become FileErrors here.
import { createReadStream, createWriteStream, promises as fsp, type Stats } from "node:fs";
import { basename, resolve } from "node:path";
import type { Readable, Writable } from "node:stream";
import { FILE_ERROR_REASONS, FileError, type FileStat, type FileSystem } from "./_backend.ts";

const REASONS = FILE_ERROR_REASONS;

/** Files on this machine with node:fs. Relative paths are relative to the working directory it was created in. */
export class LocalFileSystem implements FileSystem {
  private readonly start = process.cwd();

  constructor(private readonly hostName = "localhost") {}

  private absolute(path: string): string {
    return resolve(this.start, path);
  }

  private error(action: string, path: string, error: unknown): FileError {
    if (error instanceof FileError) return error;
    const raw = (error as NodeJS.ErrnoException).code ?? "";
    const code = raw === "EPERM" ? "EACCES" : raw in REASONS ? raw : "EIO";
    const reason = REASONS[code] ?? (error as Error).message;
    return new FileError(code, path, `cannot ${action} ${path} on ${this.hostName}: ${reason}`, { cause: error });
  }

  private async call<T>(action: string, path: string, fn: (abs: string) => Promise<T>): Promise<T> {
    const abs = this.absolute(path);
    try {
      return await fn(abs);
    } catch (error) {
      throw this.error(action, abs, error);
    }
  }

  async home(): Promise<string> {
    return this.start;
  }

  stat(path: string): Promise<FileStat> {
    return this.call("stat", path, async (abs) => toFileStat(basename(abs), await fsp.stat(abs)));
  }

  lstat(path: string): Promise<FileStat> {
    return this.call("stat", path, async (abs) => toFileStat(basename(abs), await fsp.lstat(abs)));
  }

  readdir(path: string): Promise<FileStat[]> {
    return this.call("list", path, async (abs) => {
      const names = await fsp.readdir(abs);
      const entries = await Promise.all(names.map(async (name) => {
        try {
          return toFileStat(name, await fsp.lstat(resolve(abs, name)));
        } catch {
          return undefined; // removed since readdir: as if listed a moment later
        }
      }));
      return entries.filter((e): e is FileStat => e !== undefined).sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    });
  }

  createReadStream(path: string): Readable {
    const abs = this.absolute(path);
    return this.translateErrors(createReadStream(abs), "read", abs);
  }

  createWriteStream(path: string, options: { mode?: number } = {}): Writable {
    const abs = this.absolute(path);
    return this.translateErrors(createWriteStream(abs, { mode: options.mode ?? 0o666 }), "write", abs);
  }

  private translateErrors<S extends Readable | Writable>(stream: S, action: string, path: string): S {
    const emit = stream.emit.bind(stream);
    (stream as { emit: typeof stream.emit }).emit = ((event: string | symbol, ...args: unknown[]) =>
      event === "error" ? emit("error", this.error(action, path, args[0])) : emit(event, ...args)) as typeof stream.emit;
    return stream;
  }

  rename(from: string, to: string): Promise<void> {
    const target = this.absolute(to);
    return this.call("rename", from, (abs) => fsp.rename(abs, target));
  }

  unlink(path: string): Promise<void> {
    return this.call("remove", path, (abs) => fsp.unlink(abs));
  }

  chmod(path: string, mode: number): Promise<void> {
    return this.call("chmod", path, (abs) => fsp.chmod(abs, mode));
  }

  mkdir(path: string, options: { mode?: number } = {}): Promise<void> {
    return this.call("create directory", path, async (abs) => { await fsp.mkdir(abs, { mode: options.mode ?? 0o777 }); });
  }

  async freeSpace(path: string): Promise<number | undefined> {
    const info = await fsp.statfs(this.absolute(path)).catch(() => undefined);
    return info ? info.bsize * info.bavail : undefined;
  }
}

function toFileStat(filename: string, stats: Stats): FileStat {
  return {
    filename,
    size: stats.size,
    uid: stats.uid,
    gid: stats.gid,
    mode: stats.mode,
    isDir: stats.isDirectory(),
    isFile: stats.isFile(),
    isSymlink: stats.isSymbolicLink(),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}
