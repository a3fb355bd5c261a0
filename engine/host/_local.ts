// LocalHost: runs commands on this machine with bash.
import { nodeChildProcess } from "../_builtins.ts";
import { constants, homedir } from "node:os";
import type { Backend, ExecOutcome, ExecProcess, ExecRequest, FileSystem } from "./_backend.ts";
import { Host } from "./_host.ts";
import { LocalFileSystem } from "./_local_fs.ts";
import { spawnPty, type PtyProcess } from "./_pty.ts";

/** This machine. Commands run with /bin/bash -c. */
export class LocalHost extends Host {
  override slug = "localhost";

  /** This user's home (a local login starts in the working directory, not at home). */
  override async getHomeDirectory(username?: string): Promise<string> {
    return username ? super.getHomeDirectory(username) : homedir();
  }

  protected createBackend(): Backend {
    return new LocalBackend();
  }
}

class LocalBackend implements Backend {
  private fs: LocalFileSystem | undefined;

  async connect(): Promise<void> {}
  async close(): Promise<void> {}

  async files(): Promise<FileSystem> {
    return (this.fs ??= new LocalFileSystem());
  }

  exec(request: ExecRequest): ExecProcess {
    return request.pty ? execInPty(request) : execWithPipes(request);
  }
}

function execWithPipes(request: ExecRequest): ExecProcess {
  // Its own process group, so a signal reaches every process of a pipeline, not only bash.
  const child = nodeChildProcess().spawn("/bin/bash", ["-c", request.command], { stdio: ["pipe", "pipe", "pipe"], detached: true });
  child.stdout.on("data", (chunk: Buffer) => request.onStdout(chunk));
  child.stderr.on("data", (chunk: Buffer) => request.onStderr(chunk));
  child.stdin.on("error", () => { /* the command may exit without reading its input */ });
  let signalled = false;
  const done = new Promise<ExecOutcome>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (exitCode, signal) => resolve({ exitCode, signal }));
  }).then(async (outcome) => {
    // What a stopped command started with & away from its output (deaf to SIGINT) is stopped too.
    if (signalled) await sweepGroup(child.pid!);
    return outcome;
  });
  return {
    write: (data) => { child.stdin.write(data); },
    end: () => { child.stdin.end(); },
    resize: () => {},
    signal: (name) => {
      signalled = true;
      const signal = (name.startsWith("SIG") ? name : `SIG${name}`) as NodeJS.Signals;
      try {
        process.kill(-child.pid!, signal);
      } catch {
        child.kill(signal);
      }
    },
    abandon: () => {
      child.stdout.destroy();
      child.stderr.destroy();
      child.kill("SIGKILL");
    },
    done,
  };
}

/** SIGTERM to what is left of process group `pgid`, SIGKILL if anything is still there a second later. */
async function sweepGroup(pgid: number): Promise<void> {
  const signal = (name: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-pgid, name);
      return true;
    } catch {
      return false; // nothing left in it (or not ours)
    }
  };
  if (!signal("SIGTERM")) return;
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!signal(0)) return;
  }
  signal("SIGKILL");
}

function execInPty(request: ExecRequest): ExecProcess {
  const { pty } = request;
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const started: Promise<PtyProcess> = spawnPty({
    file: "/bin/bash",
    args: ["-c", request.command],
    cols: pty!.cols,
    rows: pty!.rows,
    env: { ...env, TERM: pty!.term },
    onData: (chunk) => request.onStdout(chunk),
  });
  const later = (fn: (p: PtyProcess) => void) => { void started.then(fn, () => undefined); };
  return {
    write: (data) => later((p) => p.write(data)),
    // A terminal has no end-of-file of its own: Ctrl-D at the start of a line is the same thing.
    end: () => later((p) => p.write("\x04")),
    resize: (cols, rows) => later((p) => p.resize(cols, rows)),
    signal: (name) => later((p) => p.kill(`SIG${name}` in constants.signals ? `SIG${name}` : name)),
    abandon: () => later((p) => p.kill("SIGKILL")),
    done: started.then((p) => p.exited),
  };
}
