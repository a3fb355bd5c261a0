// Copying directory trees: every file as putFile/getFile copies one (whole or not at all), several
// at once, so a tree of small files is not one round trip after another.
import { promises as fsp } from "node:fs";
import { join, posix } from "node:path";
import { shellQuote } from "../utils.ts";
import { FileError, type FileSystem } from "./_backend.ts";
import { countingMeter, getFile, PROGRESS_BAR_BYTES, putFile, resolveLocalPath, resolvePath, type FileHost, type TransferOptions } from "./_files.ts";

export interface DirectoryOptions extends TransferOptions {
  /** Files copied at once (default 16). */
  parallel?: number;
}

/** What a directory copy did. */
export interface DirectoryCopy {
  files: number;
  bytes: number;
  directories: number;
  /** Paths left out, relative to the source: symbolic links to directories (never followed, so no cycle) and special files. */
  skipped: string[];
}

/** Files copied at once by default: enough to hide SFTP's round trips, few enough for any server. */
export const DIRECTORY_PARALLEL = 16;

/** A tree, relative to its root: directories parents first, then files with their sizes. */
interface Tree {
  directories: Array<{ path: string; mode: number }>;
  files: Array<{ path: string; size: number }>;
  skipped: string[];
}

/**
 * Copy the local directory `local` to `remote` on the host, creating `remote` and its
 * subdirectories as needed; existing files are replaced, other files there are left alone.
 */
export async function putDirectory(host: FileHost, local: string, remote: string, options: DirectoryOptions = {}): Promise<DirectoryCopy> {
  const source = resolveLocalPath(local);
  const tree = await localTree(source);
  const base = await resolvePath(host, remote);
  const rootMode = (await fsp.stat(source)).mode & 0o777;
  const directories = [{ path: "", mode: rootMode }, ...tree.directories];
  if (host.session.isSandbox) return summary(tree);
  if (options.useSudo) {
    await sudoMakeDirectories(host, directories.map((d) => posix.join(base, d.path)));
  } else {
    const fs = await host.files();
    await makeParents(host, fs, base);
    for (const dir of directories) await makeDirectory(host, fs, posix.join(base, dir.path), dir.mode);
  }
  await copyAll(host, `Uploading ${tree.files.length} files to ${host.name}:${base}`, tree, options, (file, onProgress) =>
    putFile(host, join(source, file), posix.join(base, file), { useSudo: options.useSudo, onProgress }));
  return summary(tree);
}

/**
 * Copy the directory `remote` on the host to the local `local`, creating it and its
 * subdirectories as needed; existing files are replaced, other files there are left alone.
 */
export async function getDirectory(host: FileHost, remote: string, local: string, options: DirectoryOptions = {}): Promise<DirectoryCopy> {
  const base = await resolvePath(host, remote);
  const dest = resolveLocalPath(local);
  const fs = await host.files();
  const root = await fs.stat(base).catch((error: unknown) => { throw error instanceof FileError ? error : new FileError("EIO", base, String(error)); });
  if (!root.isDir) throw new FileError("ENOTDIR", base, `cannot copy ${base} from ${host.name}: not a directory`);
  const tree = await remoteTree(fs, base);
  if (host.session.isSandbox) return summary(tree);
  for (const dir of [{ path: "", mode: root.mode & 0o777 }, ...tree.directories]) {
    const path = join(dest, dir.path);
    await fsp.mkdir(path, { recursive: true, mode: dir.mode | 0o700 }).catch((error: NodeJS.ErrnoException) => {
      throw new FileError(error.code ?? "EIO", path, `cannot create local directory ${path}: ${error.message}`, { cause: error });
    });
  }
  await copyAll(host, `Downloading ${tree.files.length} files from ${host.name}:${base}`, tree, options, (file, onProgress) =>
    getFile(host, posix.join(base, file), join(dest, file), { useSudo: options.useSudo, onProgress }));
  return summary(tree);
}

function summary(tree: Tree): DirectoryCopy {
  return {
    files: tree.files.length,
    bytes: tree.files.reduce((sum, f) => sum + f.size, 0),
    directories: tree.directories.length + 1,
    skipped: tree.skipped,
  };
}

/**
 * Copy every file of `tree`, `parallel` at a time, with one progress report for all of them. The
 * first failure stops new copies from starting; it is thrown once those under way have ended.
 */
async function copyAll(host: FileHost, label: string, tree: Tree, options: DirectoryOptions, copy: (file: string, onProgress: TransferOptions["onProgress"]) => Promise<void>): Promise<void> {
  const total = tree.files.reduce((sum, f) => sum + f.size, 0);
  const meter = countingMeter(host, label, total, options.onProgress);
  // Counting each file's bytes costs a stream per file: only when someone follows the progress.
  const follow = options.onProgress !== undefined || total > PROGRESS_BAR_BYTES;
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tree.files.length && !failure) {
      const file = tree.files[next++]!;
      let seen = 0;
      try {
        await copy(file.path, follow ? (bytes) => {
          meter.add(bytes - seen);
          seen = bytes;
        } : undefined);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const parallel = Math.max(1, options.parallel ?? DIRECTORY_PARALLEL);
  await Promise.all(Array.from({ length: Math.min(parallel, tree.files.length) }, worker));
  meter.finish(!failure);
  if (failure) throw failure.error;
}

/** The local tree under `root`; symbolic links to files count as files. */
async function localTree(root: string): Promise<Tree> {
  const tree: Tree = { directories: [], files: [], skipped: [] };
  let stat;
  try {
    stat = await fsp.stat(root);
  } catch (error) {
    throw new FileError((error as NodeJS.ErrnoException).code ?? "EIO", root, `cannot read local directory ${root}: ${(error as Error).message}`, { cause: error });
  }
  if (!stat.isDirectory()) throw new FileError("ENOTDIR", root, `cannot copy local ${root}: not a directory`);
  const walk = async (relative: string): Promise<void> => {
    const entries = await fsp.readdir(join(root, relative), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = relative ? join(relative, entry.name) : entry.name;
      const target = entry.isSymbolicLink() ? await fsp.stat(join(root, path)).catch(() => undefined) : undefined;
      if (entry.isDirectory()) {
        tree.directories.push({ path, mode: (await fsp.stat(join(root, path))).mode & 0o777 });
        await walk(path);
      } else if (entry.isFile() || target?.isFile()) {
        tree.files.push({ path, size: target?.size ?? (await fsp.stat(join(root, path))).size });
      } else {
        tree.skipped.push(path);
      }
    }
  };
  await walk("");
  return tree;
}

/** The tree under `root` on the host; symbolic links to files count as files. */
async function remoteTree(fs: FileSystem, root: string): Promise<Tree> {
  const tree: Tree = { directories: [], files: [], skipped: [] };
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await fs.readdir(posix.join(root, relative))) {
      const path = relative ? posix.join(relative, entry.filename) : entry.filename;
      const target = entry.isSymlink ? await fs.stat(posix.join(root, path)).catch(() => undefined) : undefined;
      if (entry.isDir) {
        tree.directories.push({ path, mode: entry.mode & 0o777 });
        await walk(path);
      } else if (entry.isFile || target?.isFile) {
        tree.files.push({ path, size: target?.size ?? entry.size });
      } else {
        tree.skipped.push(path);
      }
    }
  };
  await walk("");
  return tree;
}

/** Make `dir` (one level) unless it is a directory already. */
async function makeDirectory(host: FileHost, fs: FileSystem, dir: string, mode: number): Promise<void> {
  try {
    await fs.mkdir(dir, { mode });
  } catch (error) {
    const existing = await fs.stat(dir).catch(() => undefined);
    if (existing?.isDir) return;
    if (existing) throw new FileError("ENOTDIR", dir, `cannot create directory ${dir} on ${host.name}: a file is in the way`);
    throw error;
  }
}

/** Make the missing parents of `dir`, as `mkdir -p` would. */
async function makeParents(host: FileHost, fs: FileSystem, dir: string): Promise<void> {
  const missing: string[] = [];
  for (let parent = posix.dirname(dir); parent !== "/" && parent !== "."; parent = posix.dirname(parent)) {
    if (await fs.stat(parent).then((s) => s.isDir, () => false)) break;
    missing.unshift(parent);
  }
  for (const parent of missing) await makeDirectory(host, fs, parent, 0o755);
}

/** `mkdir -p` through sudo, in batches that keep each command line short. */
async function sudoMakeDirectories(host: FileHost, dirs: string[]): Promise<void> {
  for (let i = 0; i < dirs.length; i += 200) {
    await host.sudo(`mkdir -p -- ${dirs.slice(i, i + 200).map(shellQuote).join(" ")}`, { interactive: false });
  }
}
