// The primitives a host backend provides; echo, sudo answering and result assembly live above it.
import type { Readable, Writable } from "node:stream";

export interface PtyRequest {
  term: string;
  cols: number;
  rows: number;
}

export interface ExecRequest {
  /** A complete shell command line, run by the remote login shell or by bash locally. */
  command: string;
  /** Run in a pseudo-terminal of this size (then stderr arrives merged into stdout). */
  pty?: PtyRequest;
  onStdout(chunk: Uint8Array): void;
  onStderr(chunk: Uint8Array): void;
}

export interface ExecOutcome {
  exitCode: number | null;
  signal: string | null;
}

export interface ExecProcess {
  /** Send bytes to the command's standard input. */
  write(data: string | Uint8Array): void;
  /** Close the command's standard input (it reads end-of-file). */
  end(): void;
  /** Follow the user's terminal size (PTY commands only). */
  resize(cols: number, rows: number): void;
  /** Send a signal (e.g. "INT") to the command and every process it started (its process group). */
  signal(name: string): void;
  /** Stop waiting for a command that outlived its signals: `done` settles soon after. */
  abandon(): void;
  done: Promise<ExecOutcome>;
}

/** What stat says about a path, in one shape for SFTP and local files. */
export interface FileStat {
  /** The last path component. */
  filename: string;
  size: number;
  uid: number;
  gid: number;
  /** Permission and type bits, as in stat(2). */
  mode: number;
  isDir: boolean;
  isFile: boolean;
  isSymlink: boolean;
  /** Modification time, seconds since the epoch. */
  mtime: number;
}

/** How each FileError code reads in a message. */
export const FILE_ERROR_REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EEXIST: "already exists",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EBADF: "the file is closed",
  ENOSPC: "no space left on the device",
};

/** A failed file operation, with a POSIX-like code (ENOENT, EACCES, EEXIST, ENOTDIR, EISDIR, EIO). */
export class FileError extends Error {
  override name = "FileError";
  constructor(readonly code: string, readonly path: string, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Files on a host: SFTP for SSH, node:fs locally. Paths are absolute or relative to home(). Errors are FileErrors. */
export interface FileSystem {
  /** The directory a login starts in (SFTP's ".", the process's working directory locally). */
  home(): Promise<string>;
  /** Follows symbolic links. */
  stat(path: string): Promise<FileStat>;
  /** Does not follow a final symbolic link. */
  lstat(path: string): Promise<FileStat>;
  /** The entries of a directory, without "." and "..", sorted by name. */
  readdir(path: string): Promise<FileStat[]>;
  createReadStream(path: string): Readable;
  /** Creates or truncates `path` (mode applies to a new file). */
  createWriteStream(path: string, options?: { mode?: number }): Writable;
  /** Replaces `to` if it exists (atomically where the server allows). */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  /** Bytes an unprivileged user may still write on the file system holding `path`, if the host can say. */
  freeSpace(path: string): Promise<number | undefined>;
}

/** One host's transport: local processes, or an SSH connection. */
export interface Backend {
  connect(): Promise<void>;
  exec(request: ExecRequest): ExecProcess;
  /** The host's files (opened on first use, then shared). */
  files(): Promise<FileSystem>;
  close(): Promise<void>;
}
