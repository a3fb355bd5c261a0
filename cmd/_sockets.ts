// Where shared sessions listen: owner-only sockets in an owner-only directory per user.
import { readdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ownUid, privateDir } from "./_private_dir.ts";

/**
 * The per-user directory of session sockets: $XDG_RUNTIME_DIR/deployer, else /tmp/deployer-UID;
 * mode 0700. Someone else's directory (or a symlink planted in /tmp) would let them hijack a session.
 */
export function socketDir(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  return privateDir(runtime ? join(runtime, "deployer") : join(tmpdir(), `deployer-${ownUid()}`));
}

/** `--socket S`: a number N is this user's session N; anything else is a path. */
export function socketPath(option: string, cwd: string): string {
  return /^\d+$/.test(option) ? join(socketDir(), `session.${Number(option)}.sock`) : resolve(cwd, option);
}

/** The session sockets in this user's directory, by number. */
export function listSocketPaths(): string[] {
  const dir = socketDir();
  return readdirSync(dir)
    .map((name) => /^session\.(\d+)\.sock$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(dir, m[0]));
}

/** Sockets elsewhere (`listen --socket PATH`) that their servers registered here, with their entries. */
export function listRegisteredSockets(): Array<{ socket: string; entry: string }> {
  const dir = socketDir();
  return readdirSync(dir)
    .filter((name) => /^registered\.\d+$/.test(name))
    .map((name) => {
      try {
        return { socket: readlinkSync(join(dir, name)), entry: join(dir, name) };
      } catch {
        return undefined;
      }
    })
    .filter((r): r is { socket: string; entry: string } => r !== undefined);
}

/** Make a socket outside the user's directory findable by list-sessions; returns the unregister function. */
export function registerSocket(socket: string): () => void {
  const dir = socketDir();
  if (socket.startsWith(`${dir}/`)) return () => {};
  const entry = join(dir, `registered.${process.pid}`);
  rmSync(entry, { force: true });
  symlinkSync(socket, entry);
  return () => rmSync(entry, { force: true });
}

/** The first session number with no socket file yet. */
export function freeSocketPath(): string {
  const taken = new Set(listSocketPaths());
  for (let n = 0; ; n++) {
    const path = join(socketDir(), `session.${n}.sock`);
    if (!taken.has(path)) return path;
  }
}
