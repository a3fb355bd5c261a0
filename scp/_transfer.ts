// put and get: sources (files, globs, directories with -r) to a target, one file at a time,
// never overwriting without asking (or -f), with progress on large files.
import { posix } from "node:path";
import { shellQuote, type FileError, type FileStat, type FileSystem, type Host } from "../engine/index.ts";
import { globRegex, hasGlob } from "./_paths.ts";
import type { ScpShell } from "./_scp.ts";

/** One end of a transfer: this machine or the host, with how it resolves typed paths. */
export interface Side {
  kind: "local" | "remote";
  name: string;
  host: Host;
  resolve(typed: string): string;
  cwd: string;
}

export interface TransferFlags {
  recursive: boolean;
  force: boolean;
  sudo: boolean;
}

const BAR_BYTES = 256 * 1024;

/** Copy `sources` (as typed on `from`) to `target` (as typed on `to`, default its cwd). */
export async function transfer(shell: ScpShell, from: Side, to: Side, sources: string[], target: string | undefined, flags: TransferFlags): Promise<void> {
  // With --sudo, the remote side is looked at through sudo too (it may be readable by root only).
  const fromFs = withSudoStat(await from.host.files(), from, flags.sudo);
  const toFs = withSudoStat(await to.host.files(), to, flags.sudo);
  const paths = (await Promise.all(sources.map((s) => expand(from, fromFs, s)))).flat();
  const destination = to.resolve(target ?? ".");
  const destinationStat = await statOrUndefined(toFs, destination);
  const intoDirectory = destinationStat?.isDir ?? (paths.length > 1 || (target ?? "").endsWith("/"));
  if (paths.length > 1 && !destinationStat?.isDir) throw new Error(`${destination} on ${to.name} is not a directory (several sources need one)`);
  for (const [source, stat] of paths) {
    const dest = intoDirectory ? posix.join(destination, posix.basename(source)) : destination;
    if (stat.isDir) {
      if (!flags.recursive) throw new Error(`${source} is a directory (use -r to copy it with everything in it)`);
      await copyTree(shell, from, fromFs, to, toFs, source, dest, flags);
    } else {
      await copyFile(shell, from, to, toFs, source, stat.size, dest, flags);
    }
  }
}

/** The paths a typed source names: itself, or the matches of a glob in its last component. */
async function expand(side: Side, fs: FileSystem, typed: string): Promise<Array<[string, FileStat]>> {
  const path = side.resolve(typed);
  if (!hasGlob(posix.basename(path))) {
    const stat = await statOrUndefined(fs, path);
    if (!stat) throw new Error(`no such file on ${side.name}: ${path}`);
    return [[path, stat]];
  }
  const dir = posix.dirname(path);
  const pattern = globRegex(posix.basename(path));
  const matches = (await fs.readdir(dir)).filter((e) => pattern.test(e.filename));
  if (!matches.length) throw new Error(`nothing on ${side.name} matches ${path}`);
  return matches.map((e) => [posix.join(dir, e.filename), e]);
}

async function copyTree(shell: ScpShell, from: Side, fromFs: FileSystem, to: Side, toFs: FileSystem, source: string, dest: string, flags: TransferFlags): Promise<void> {
  await mkdirIfMissing(toFs, dest);
  for (const entry of await fromFs.readdir(source)) {
    const child = posix.join(source, entry.filename);
    const childDest = posix.join(dest, entry.filename);
    if (entry.isDir) await copyTree(shell, from, fromFs, to, toFs, child, childDest, flags);
    else if (entry.isFile) await copyFile(shell, from, to, toFs, child, entry.size, childDest, flags);
  }
}

async function copyFile(shell: ScpShell, from: Side, to: Side, toFs: FileSystem, source: string, size: number, dest: string, flags: TransferFlags): Promise<void> {
  const existing = await statOrUndefined(toFs, dest);
  if (existing?.isDir) throw new Error(`${dest} on ${to.name} is a directory`);
  if (existing && !flags.force) {
    const console = shell.console;
    const overwrite = console.isInteractive && await console.confirm(`${dest} exists on ${to.name}. Overwrite it?`, { default: false }).catch(() => false);
    if (!overwrite) {
      shell.print(`Skipped ${dest}: it exists on ${to.name} (use -f to overwrite).`);
      return;
    }
  }
  const verb = to.kind === "remote" ? "Uploading" : "Downloading";
  shell.print(`${verb} ${source} to ${to.name}:${dest}`);
  const started = Date.now();
  const bar = size > BAR_BYTES ? shell.console.progressBar(posix.basename(source), { expected: size, format: (s) => progressLine(s.message, s.counter, size, started) }) : undefined;
  const options = { useSudo: flags.sudo, onProgress: (done: number) => bar?.setProgress(done) };
  try {
    if (to.kind === "remote") await to.host.putFile(source, dest, options);
    else await from.host.getFile(source, dest, options);
  } finally {
    bar?.finish();
  }
  if (to.kind === "remote") shell.listings.invalidate(posix.dirname(dest));
}

/** `app.tar.gz  12.0 MiB / 100.0 MiB  40.2 MiB/s  ETA 0:02` */
function progressLine(name: string, done: number, total: number, started: number): string {
  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  const rate = done / seconds;
  const eta = rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : 0;
  return `${name}  ${bytes(done)} / ${bytes(total)}  ${bytes(rate)}/s  ETA ${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, "0")}`;
}

function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** `fs`, whose stat goes through `sudo stat` on the remote side of a --sudo transfer. */
function withSudoStat(fs: FileSystem, side: Side, sudo: boolean): FileSystem {
  if (!sudo || side.kind !== "remote") return fs;
  const stat = async (path: string): Promise<FileStat> => {
    const out = await side.host.sudo(`stat -L -c '%F|%s|%u|%g|%f' ${shellQuote(path)} 2>/dev/null || echo missing`, { interactive: false, silent: true });
    const line = out.trim();
    if (line === "missing") throw Object.assign(new Error(`no such file on ${side.name}: ${path}`), { code: "ENOENT" });
    const [type, size, uid, gid, mode] = line.split("|");
    return {
      filename: posix.basename(path), size: Number(size), uid: Number(uid), gid: Number(gid), mode: parseInt(mode!, 16),
      isDir: type === "directory", isFile: type === "regular file" || type === "regular empty file", isSymlink: false, mtime: 0,
    };
  };
  return Object.assign(Object.create(fs) as FileSystem, { stat, lstat: stat });
}

async function statOrUndefined(fs: FileSystem, path: string): Promise<FileStat | undefined> {
  try {
    return await fs.stat(path);
  } catch (error) {
    if ((error as FileError).code === "ENOENT") return undefined;
    throw error;
  }
}

async function mkdirIfMissing(fs: FileSystem, path: string): Promise<void> {
  const stat = await statOrUndefined(fs, path);
  if (stat?.isDir) return;
  if (stat) throw new Error(`${path} exists and is not a directory`);
  await fs.mkdir(path);
}
