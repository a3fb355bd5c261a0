// Host-level file operations: paths resolved in the host's context, writes that land atomically
// (temp file + rename), sudo through user-owned staging files, and streamed transfers with progress.
import { createReadStream, createWriteStream, promises as fsp, type Stats } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, posix, resolve } from "node:path";
import type { Readable, Transform, Writable } from "node:stream";
import type { Console } from "../console.ts";
import { ExecCommandFailed } from "../exceptions.ts";
import { noNul, shellQuote } from "../utils.ts";
import { FILE_ERROR_REASONS, FileError, type FileStat, type FileSystem } from "./_backend.ts";
import type { RunOptions } from "./_host.ts";
import { nodeStream, randomHex } from "../_builtins.ts";

/** What the file operations need from a host. */
export interface FileHost {
  readonly name: string;
  readonly username: string;
  files(): Promise<FileSystem>;
  run(command: string, options?: RunOptions): Promise<string>;
  sudo(command: string, options?: RunOptions): Promise<string>;
  getcwd(): Promise<string>;
  expandPath(path: string): Promise<string>;
  readonly console: Console;
  /** In a sandbox run nothing is written: write handles discard, transfers only check their source. */
  readonly session: { readonly isSandbox: boolean };
}

export type OpenMode = "r" | "rb" | "w" | "wb" | "a" | "ab";

/** An open file on a host: strings in text modes, bytes in binary modes. */
export interface RemoteFile {
  /** The whole file the first time (read at open), then empty, like a file at its end. */
  read(): Promise<string | Uint8Array>;
  /** Buffered until `close()`, which makes everything land at once. */
  write(data: string | Uint8Array): Promise<void>;
  /** Write modes: replace the file atomically (on failure the original is untouched). Idempotent. */
  close(): Promise<void>;
  /** Write modes: drop what was written and leave the file as it was. */
  discard(): Promise<void>;
}

export interface TransferOptions {
  useSudo?: boolean;
  /** Called as bytes move; by default a progress bar shows for large files. */
  onProgress?: (done: number, total: number | undefined) => void;
}

/** A file's metadata, as the original's Stat. */
export interface Stat {
  filename: string;
  isDir: boolean;
  isFile: boolean;
  stSize: number;
  stUid: number;
  stGid: number;
  stMode: number;
}

const MODES: readonly OpenMode[] = ["r", "rb", "w", "wb", "a", "ab"];
/** Transfers larger than this show a progress bar unless the caller follows progress itself. */
export const PROGRESS_BAR_BYTES = 1024 * 1024;
const REASONS = FILE_ERROR_REASONS;
/**
 * A new file's mode, the same over SFTP (which sets modes exactly, without a umask) and locally:
 * 0644 from open(); a copy takes its source's mode without group or world write.
 */
const NEW_FILE_MODE = 0o644;
const NEW_FILE_MODE_MASK = 0o755;
/** Where sudo operations stage their user-owned copies (on the host). */
const STAGING_DIR = "/tmp";

// Paths and errors

/** `path` on `host` as an absolute path: `~` expanded, relative to the host's working directory here. */
export async function resolvePath(host: FileHost, path: string): Promise<string> {
  if (typeof path !== "string" || path === "") throw new TypeError("a file path must be a non-empty string");
  noNul(path, "file path");
  const expanded = await host.expandPath(path);
  return expanded.startsWith("/") ? posix.normalize(expanded) : posix.resolve(await host.getcwd(), expanded);
}

/** A local path with `~` expanded, made absolute. */
export function resolveLocalPath(path: string): string {
  if (typeof path !== "string" || path === "") throw new TypeError("a local file path must be a non-empty string");
  noNul(path, "local file path");
  return resolve(path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path);
}

function failure(host: FileHost, action: string, path: string, code: string, detail?: string, cause?: unknown): FileError {
  const reason = detail ?? REASONS[code] ?? "failed";
  return new FileError(code, path, `cannot ${action} ${path} on ${host.name}: ${reason}`, cause === undefined ? undefined : { cause });
}

/** A file system's error restated as one line about the host-level operation; other errors pass through. */
function restate(host: FileHost, action: string, path: string, error: unknown): unknown {
  if (!(error instanceof FileError)) return error;
  const detail = error.code in REASONS ? undefined : error.message.slice(error.message.lastIndexOf(": ") + 2);
  return failure(host, action, path, error.code, detail, error);
}

/** A node:fs error on this machine's side of a transfer, as one line. */
function localFailure(action: string, path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // Only node:fs's system errors (they name their syscall); a lost connection or a FileError passes through.
  if (error instanceof FileError || typeof code !== "string" || !(error as NodeJS.ErrnoException).syscall) return error;
  const posixCode = code === "EPERM" ? "EACCES" : code in REASONS ? code : "EIO";
  return new FileError(posixCode, path, `cannot ${action} local file ${path}: ${REASONS[posixCode] ?? (error as Error).message}`, { cause: error });
}

function isMissing(error: unknown): boolean {
  return error instanceof FileError && (error.code === "ENOENT" || error.code === "ENOTDIR");
}

function randomSuffix(): string {
  return randomHex(12);
}

/** A temporary name beside `path` (so a rename onto it stays on one file system), hidden and unguessable. */
function tempBeside(path: string, paths: { dirname(p: string): string; basename(p: string): string; join(...p: string[]): string }): string {
  return paths.join(paths.dirname(path), `.${paths.basename(path).slice(0, 80)}.deployer-${randomSuffix()}`);
}

// Stat, list, exists

export function toStat(stat: FileStat): Stat {
  return { filename: stat.filename, isDir: stat.isDir, isFile: stat.isFile, stSize: stat.size, stUid: stat.uid, stGid: stat.gid, stMode: stat.mode };
}

/** Metadata of `path`, following symbolic links. */
export async function statPath(host: FileHost, path: string): Promise<Stat> {
  const abs = await resolvePath(host, path);
  const fs = await host.files();
  try {
    return toStat(await fs.stat(abs));
  } catch (error) {
    throw restate(host, "stat", abs, error);
  }
}

/** Metadata of the entries of a directory, sorted by name; symbolic links are followed where they lead somewhere. */
export async function listdirStat(host: FileHost, path: string): Promise<Stat[]> {
  const abs = await resolvePath(host, path);
  const fs = await host.files();
  let entries: FileStat[];
  try {
    entries = await fs.readdir(abs);
  } catch (error) {
    throw restate(host, "list", abs, error);
  }
  const stats = await Promise.all(entries.map(async (entry) => {
    if (!entry.isSymlink) return toStat(entry);
    const target = await fs.stat(posix.join(abs, entry.filename)).catch(() => entry);
    return toStat({ ...target, filename: entry.filename });
  }));
  return stats.sort((a, b) => compareNames(a.filename, b.filename));
}

/** The names in a directory, sorted. */
export async function listdir(host: FileHost, path: string): Promise<string[]> {
  return (await listdirStat(host, path)).map((s) => s.filename);
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether `path` exists, as the login user (default) or with sudo (a command; may ask for the
 * password). In a sandbox run, where sudo does not run, the login user's view is the answer.
 */
export async function pathExists(host: FileHost, path: string, options: { useSudo?: boolean } = {}): Promise<boolean> {
  const abs = await resolvePath(host, path);
  if (options.useSudo && !host.session.isSandbox) {
    const status = await sudoScript(host, "check", abs, `if [ -e ${shellQuote(abs)} ]; then echo deployer:yes; else echo deployer:no; fi`);
    return status === "yes";
  }
  const fs = await host.files();
  try {
    await fs.stat(abs);
    return true;
  } catch (error) {
    if (isMissing(error) || (error instanceof FileError && error.code === "EACCES")) return false;
    throw restate(host, "check", abs, error);
  }
}

// Sudo: shell scripts run through host.sudo; they report with a last line `deployer:<status>`.

async function sudoScript(host: FileHost, action: string, path: string, script: string): Promise<string> {
  let output: string;
  try {
    output = await host.sudo(script, { interactive: false, silent: true });
  } catch (error) {
    if (!(error instanceof ExecCommandFailed)) throw error;
    const said = `${error.result.stderr}\n${error.result.output}`.split("\n").map((l) => l.trim()).filter(Boolean);
    throw failure(host, action, path, "EIO", `sudo failed: ${said.at(-1) ?? `exit status ${error.result.exitCode ?? error.result.signal}`}`, error);
  }
  const line = output.split("\n").reverse().find((l) => l.startsWith("deployer:"));
  if (line === undefined) throw failure(host, action, path, "EIO", "sudo gave no answer (is this a sandbox run?)");
  const status = line.slice("deployer:".length).trim();
  if (status in REASONS) throw failure(host, action, path, status);
  return status;
}

/** Copy `abs` (readable by root) to a new staging file owned by the login user; returns its path. */
async function sudoFetch(host: FileHost, abs: string): Promise<string> {
  const status = await sudoScript(host, "read", abs, [
    "set -e",
    `src=${shellQuote(abs)}`,
    `if [ ! -e "$src" ]; then echo deployer:ENOENT; exit 0; fi`,
    `if [ -d "$src" ]; then echo deployer:EISDIR; exit 0; fi`,
    `tmp=$(mktemp ${STAGING_DIR}/deployer-get-XXXXXXXXXXXXXXXX)`,
    `trap 'rm -f -- "$tmp"' EXIT`,
    `cat -- "$src" > "$tmp"`,
    `chown -- "\${SUDO_UID:-$(id -u)}" "$tmp"`,
    "trap - EXIT",
    `echo "deployer:ok $tmp"`,
  ].join("\n"));
  return status.slice("ok ".length);
}

/**
 * Put the staged file in place of `abs` with sudo: copied into a temp file beside it, given the
 * original's owner and mode (a new file is root's, 0644), then renamed over it. Follows a symlink.
 */
async function sudoInstall(host: FileHost, staging: string, abs: string, append: boolean): Promise<void> {
  const name = shellQuote(`.${[...posix.basename(abs)].slice(0, 80).join("")}.deployer-XXXXXXXXXXXXXXXX`);
  await sudoScript(host, "write", abs, [
    "set -e",
    `target=${shellQuote(abs)}`,
    `staging=${shellQuote(staging)}`,
    // "; echo x" then "%??" keeps a trailing newline of the name, which $(…) alone would strip.
    `if [ -L "$target" ]; then target=$(readlink -f -- "$target"; echo x); target=\${target%??}; fi`,
    `if [ -d "$target" ]; then echo deployer:EISDIR; exit 0; fi`,
    `dir=$(dirname -- "$target"; echo x); dir=\${dir%??}`,
    `if [ ! -d "$dir" ]; then echo deployer:ENOENT; exit 0; fi`,
    `tmp=$(mktemp -- "$dir/"${name})`,
    `trap 'rm -f -- "$tmp"' EXIT`,
    `if [ -e "$target" ]; then`,
    `  cat -- ${append ? `"$target" ` : ""}"$staging" > "$tmp"`,
    `  chown --reference="$target" -- "$tmp"`,
    `  chmod --reference="$target" -- "$tmp"`,
    "else",
    `  cat -- "$staging" > "$tmp"`,
    `  chmod 0644 -- "$tmp"`,
    "fi",
    `mv -f -- "$tmp" "$target"`,
    "trap - EXIT",
    "echo deployer:ok",
  ].join("\n"));
}

// Writing without sudo

interface WriteTarget {
  /** The path the rename replaces (a symbolic link's destination, so the link stays). */
  path: string;
  existing: FileStat | undefined;
}

async function writeTarget(host: FileHost, fs: FileSystem, abs: string): Promise<WriteTarget> {
  const look = (path: string) => fs.lstat(path).catch((error: unknown) => {
    if (isMissing(error)) return undefined;
    throw restate(host, "write", abs, error);
  });
  let path = abs;
  let existing = await look(path);
  if (existing?.isSymlink) {
    const out = await host.run(`readlink -f -- ${shellQuote(abs)} && echo deployer:ok`, { interactive: false, silent: true, ignoreExitStatus: true });
    // The target may itself hold newlines: it is everything before the final marker line.
    if (!out.endsWith("\ndeployer:ok\n")) throw failure(host, "write", abs, "ENOENT", "cannot resolve the symbolic link");
    path = out.slice(0, -"\ndeployer:ok\n".length);
    existing = await look(path);
  }
  if (existing?.isDir) throw failure(host, "write", abs, "EISDIR");
  return { path, existing };
}

/** Whether the file system holding `dir` has no room (left) for a write of `size` bytes. */
async function isFull(fs: FileSystem, dir: string, size: number): Promise<boolean> {
  const free = await fs.freeSpace(dir).catch(() => undefined);
  return free !== undefined && free < Math.max(size, FULL_BELOW);
}

/** Less free space than this, after a write failed, means the disk was full. */
const FULL_BELOW = 1024 * 1024;

/**
 * Write `fill`'s bytes to a temp file beside the target and rename it over the target, keeping an
 * existing file's mode; a new file gets `newMode`. On failure only the temp goes.
 */
async function commitWrite(host: FileHost, fs: FileSystem, abs: string, fill: (out: Writable) => Promise<void>, newMode: number, size = 0): Promise<void> {
  // The temp file opens beside `abs` while lstat's answer is on its way (one round trip for both).
  // Nothing is written to it before that answer, which may move it (a symbolic link) or change its mode.
  let temp = tempBeside(abs, posix);
  let early = openEarly(fs, temp, newMode & 0o777);
  let target: WriteTarget;
  try {
    target = await writeTarget(host, fs, abs);
  } catch (error) {
    await abandon(fs, early.out, temp);
    throw error;
  }
  const mode = target.existing ? target.existing.mode & 0o7777 : newMode;
  if (target.path !== abs || (mode & 0o777) !== (newMode & 0o777)) {
    await abandon(fs, early.out, temp);
    temp = tempBeside(target.path, posix);
    early = openEarly(fs, temp, mode & 0o777);
  }
  try {
    await early.usable();
    await fill(early.out);
    if (target.existing) await fs.chmod(temp, mode);
    await fs.rename(temp, target.path);
  } catch (error) {
    // SFTP says only "failure" when the disk is full: look before the temp file frees the space.
    const full = error instanceof FileError && error.code === "EIO" && await isFull(fs, posix.dirname(target.path), size);
    await fs.unlink(temp).catch(() => undefined);
    if (full) throw failure(host, "write", abs, "ENOSPC", undefined, error);
    if (error instanceof FileError && error.code === "EACCES" && error.path === temp) {
      throw failure(host, "write", abs, "EACCES", `permission denied to create a temporary file in ${posix.dirname(target.path)} (try useSudo)`, error);
    }
    throw restate(host, "write", abs, error);
  }
}

/** A write stream opened before it is written to; `usable()` throws its error if it failed meanwhile (a failed stream cannot be piped into). */
function openEarly(fs: FileSystem, path: string, mode: number): { out: Writable; usable(): Promise<void> } {
  const out = fs.createWriteStream(path, { mode });
  let failure: unknown;
  out.on("error", (error) => (failure ??= error));
  return {
    out,
    async usable() {
      // The 'error' event (translated by the file system) follows `errored` by a tick.
      if (out.errored) throw failure ?? await new Promise((resolve) => out.once("error", resolve));
    },
  };
}

/** Drop a temp file opened too early: closed unwritten, then removed (after the close: a local open may still be under way). */
async function abandon(fs: FileSystem, out: Writable, temp: string): Promise<void> {
  if (!out.closed) {
    const closed = new Promise<void>((resolve) => out.once("close", () => resolve()));
    out.destroy();
    await closed;
  }
  await fs.unlink(temp).catch(() => undefined);
}

/** Write through the staging area and sudo. */
async function commitSudoWrite(host: FileHost, fs: FileSystem, abs: string, fill: (out: Writable) => Promise<void>, append: boolean): Promise<void> {
  const staging = posix.join(STAGING_DIR, `deployer-put-${randomSuffix()}`);
  try {
    try {
      await fill(fs.createWriteStream(staging, { mode: 0o600 }));
    } catch (error) {
      throw restate(host, "write", abs, error);
    }
    await sudoInstall(host, staging, abs, append);
  } finally {
    await fs.unlink(staging).catch(() => undefined);
  }
}

/** Run `source` through `through` into `out`, and wait until both have let go of their files. */
async function drain(source: Readable, out: Writable, ...through: Transform[]): Promise<void> {
  for (const stream of [source, out]) stream.on("error", ignore);
  await nodeStream().promises.pipeline([source, ...through, out]);
  await Promise.all([released(source), released(out)]);
}

/**
 * Wait until a finished stream has closed its file: SFTP streams close the handle after the data
 * ends, and closing the connection before that makes them emit an error nobody listens to. An
 * error after the outcome was decided is moot, so every stream handed here is given a listener.
 */
function released(stream: Readable | Writable): Promise<void> {
  stream.on("error", ignore);
  if (stream.closed || (stream as { isClosed?: boolean }).isClosed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    stream.once("close", () => resolve());
    stream.once("error", reject);
  });
}

/** The bytes of a file system's read stream, its handle closed when the iteration ends. */
async function* contentOf(fs: FileSystem, path: string): AsyncGenerator<Uint8Array> {
  const stream = fs.createReadStream(path);
  stream.on("error", ignore);
  yield* stream as AsyncIterable<Uint8Array>;
  await released(stream);
}

function ignore(): void {}

// open()

/** Open `path` on `host`: reading loads the whole file; writes land atomically on close. */
export async function openFile(host: FileHost, path: string, mode: OpenMode = "r", options: { useSudo?: boolean } = {}): Promise<RemoteFile> {
  if (!MODES.includes(mode)) throw new TypeError(`open: mode must be one of ${MODES.join(", ")}, not ${JSON.stringify(mode)}`);
  const abs = await resolvePath(host, path);
  const binary = mode.endsWith("b");
  if (mode.startsWith("r")) return new ReadHandle(host, abs, binary, await readWhole(host, abs, options.useSudo ?? false));
  if (!options.useSudo && !host.session.isSandbox) {
    const fs = await host.files();
    await writeTarget(host, fs, abs);
    await fs.stat(posix.dirname(abs)).catch((error: unknown) => { throw restate(host, "write", abs, error); });
  }
  return new WriteHandle(host, abs, binary, mode.startsWith("a"), options.useSudo ?? false);
}

async function readWhole(host: FileHost, abs: string, useSudo: boolean): Promise<Uint8Array> {
  if (useSudo && host.session.isSandbox) return new Uint8Array(0);
  const fs = await host.files();
  const source = useSudo ? await sudoFetch(host, abs) : abs;
  try {
    if (!useSudo && (await fs.stat(source)).isDir) throw failure(host, "read", abs, "EISDIR");
    const chunks: Uint8Array[] = [];
    for await (const chunk of contentOf(fs, source)) chunks.push(chunk);
    const all = Buffer.concat(chunks);
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  } catch (error) {
    throw restate(host, "read", abs, error);
  } finally {
    if (useSudo) await fs.unlink(source).catch(() => undefined);
  }
}

class ReadHandle implements RemoteFile {
  private closed = false;
  private consumed = false;

  constructor(private readonly host: FileHost, private readonly path: string, private readonly binary: boolean, private readonly data: Uint8Array) {}

  async read(): Promise<string | Uint8Array> {
    if (this.closed) throw failure(this.host, "read", this.path, "EBADF");
    const data = this.consumed ? new Uint8Array(0) : this.data;
    this.consumed = true;
    if (this.binary) return data;
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data);
    } catch (error) {
      throw failure(this.host, "read", this.path, "EIO", `not UTF-8 text (open it with "rb" for bytes)`, error);
    }
  }

  async write(): Promise<void> {
    throw failure(this.host, "write", this.path, "EBADF", this.closed ? undefined : "opened for reading");
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async discard(): Promise<void> {
    this.closed = true;
  }
}

class WriteHandle implements RemoteFile {
  private chunks: Uint8Array[] = [];
  private closed = false;

  constructor(
    private readonly host: FileHost,
    private readonly path: string,
    private readonly binary: boolean,
    private readonly append: boolean,
    private readonly useSudo: boolean,
  ) {}

  async read(): Promise<string | Uint8Array> {
    throw failure(this.host, "read", this.path, "EBADF", this.closed ? undefined : "opened for writing");
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (this.closed) throw failure(this.host, "write", this.path, "EBADF");
    if (this.binary && !(data instanceof Uint8Array)) throw new TypeError(`write: a file opened in binary mode takes a Uint8Array`);
    if (!this.binary && typeof data !== "string") throw new TypeError(`write: a file opened in text mode takes a string`);
    this.chunks.push(typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const chunks = this.chunks;
    this.chunks = [];
    const host = this.host;
    if (host.session.isSandbox) return;
    const fs = await host.files();
    if (this.useSudo) return commitSudoWrite(host, fs, this.path, (out) => drain(nodeStream().Readable.from(chunks), out), this.append);
    const path = this.path;
    const append = this.append;
    const content = async function* (): AsyncGenerator<Uint8Array> {
      if (append && (await fs.stat(path).catch(() => undefined))?.isFile) yield* contentOf(fs, path);
      yield* chunks;
    };
    await commitWrite(host, fs, path, (out) => drain(nodeStream().Readable.from(content()), out), NEW_FILE_MODE);
  }

  async discard(): Promise<void> {
    this.closed = true;
    this.chunks = [];
  }
}

// Transfers

/** A progress meter fed by counts (the files of a directory copy), for `onProgress` or a progress bar. */
export function countingMeter(host: FileHost, label: string, total: number, onProgress: TransferOptions["onProgress"]): { add(bytes: number): void; finish(ok: boolean): void } {
  const meter = progress(host, label, total, onProgress);
  return { add: (bytes) => meter.add(bytes), finish: (ok) => meter.finish(ok) };
}

/** Counts the bytes passing through, for `onProgress` or a progress bar. */
function progress(host: FileHost, label: string, total: number, onProgress: TransferOptions["onProgress"]) {
  let done = 0;
  let reported = -1;
  const bar = !onProgress && total > PROGRESS_BAR_BYTES
    ? host.console.progressBar(label, { expected: total, format: (s) => `${s.message}: ${size(s.counter)} of ${size(total)} [${s.percentage}] [${s.duration}]${s.done ? " DONE" : ""}` })
    : undefined;
  const report = () => {
    if (done === reported || (!onProgress && !bar)) return;
    reported = done;
    if (onProgress) onProgress(done, total);
    else bar?.setProgress(done, false);
  };
  return {
    /** The stream to pass the bytes through; none when nobody follows (one stream less per small file). */
    counter: (): Transform[] => (!onProgress && !bar ? [] : [new (nodeStream().Transform)({
      transform(chunk: Uint8Array, _encoding, callback) {
        done += chunk.length;
        report();
        callback(null, chunk);
      },
    })]),
    /** Count bytes moved elsewhere (by the files of a directory copy). */
    add(bytes: number) {
      done += bytes;
      report();
    },
    finish(ok: boolean) {
      if (ok) report();
      bar?.finish();
    },
  };
}

function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Copy a local file to `remote` on the host, streamed; the destination appears whole or not at all. */
export async function putFile(host: FileHost, local: string, remote: string, options: TransferOptions = {}): Promise<void> {
  const source = resolveLocalPath(local);
  let stats: Stats;
  try {
    stats = await fsp.stat(source);
  } catch (error) {
    throw localFailure("read", source, error);
  }
  if (stats.isDirectory()) throw new FileError("EISDIR", source, `cannot read local file ${source}: is a directory`);
  const abs = await resolvePath(host, remote);
  if (host.session.isSandbox) return;
  const fs = await host.files();
  const meter = progress(host, `Uploading ${basename(source)} to ${host.name}`, stats.size, options.onProgress);
  // Big local reads feed the SFTP writes whole chunks (64 KiB reads halve upload speed).
  const fill = (out: Writable) => drain(createReadStream(source, { highWaterMark: 255 * 1024 }), out, ...meter.counter()).catch((error: unknown) => {
    throw localFailure("read", source, error);
  });
  let ok = false;
  try {
    if (options.useSudo) await commitSudoWrite(host, fs, abs, fill, false);
    else await commitWrite(host, fs, abs, fill, stats.mode & NEW_FILE_MODE_MASK, stats.size);
    ok = true;
  } finally {
    meter.finish(ok);
  }
}

/** Copy a file from the host to `local`, streamed; the local destination appears whole or not at all. */
export async function getFile(host: FileHost, remote: string, local: string, options: TransferOptions = {}): Promise<void> {
  const abs = await resolvePath(host, remote);
  const dest = resolveLocalPath(local);
  const fs = await host.files();
  if (host.session.isSandbox && options.useSudo) return;
  const source = options.useSudo ? await sudoFetch(host, abs) : abs;
  // The source opens while stat's answer is on its way: one round trip for both. It is read only after the checks.
  const input = host.session.isSandbox ? undefined : fs.createReadStream(source);
  input?.on("error", ignore);
  try {
    let remoteStat: FileStat;
    try {
      remoteStat = await fs.stat(source);
    } catch (error) {
      throw restate(host, "read", abs, error);
    }
    if (remoteStat.isDir) throw failure(host, "read", abs, "EISDIR");
    if (!input) return;
    const target = await localWriteTarget(dest);
    const temp = tempBeside(target.path, { dirname, basename, join });
    const mode = target.existing ? target.existing.mode & 0o7777 : remoteStat.mode & NEW_FILE_MODE_MASK;
    const meter = progress(host, `Downloading ${posix.basename(abs)} from ${host.name}`, remoteStat.size, options.onProgress);
    let ok = false;
    try {
      await drain(input, createWriteStream(temp, { flags: "wx", mode: mode & 0o777 }), ...meter.counter());
      if (target.existing) await fsp.chmod(temp, mode);
      await fsp.rename(temp, target.path);
      ok = true;
    } catch (error) {
      await fsp.unlink(temp).catch(() => undefined);
      throw error instanceof FileError ? restate(host, "read", abs, error) : localFailure("write", dest, error);
    } finally {
      meter.finish(ok);
    }
  } finally {
    input?.destroy(); // unread after a failed check or a local failure; a no-op once read to the end
    if (options.useSudo) await fs.unlink(source).catch(() => undefined);
  }
}

/** The local file a download replaces (a symlink's destination) and what is there now. */
async function localWriteTarget(dest: string): Promise<{ path: string; existing: Stats | undefined }> {
  let path = dest;
  try {
    if ((await fsp.lstat(dest)).isSymbolicLink()) path = await fsp.realpath(dest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw localFailure("write", dest, error);
  }
  const existing = await fsp.stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new FileError("EISDIR", dest, `cannot write local file ${dest}: is a directory`);
  return { path, existing };
}
