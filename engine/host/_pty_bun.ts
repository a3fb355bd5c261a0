// The PTY backend for Bun: Bun.spawn with `terminal` (node-pty's callbacks never fire under Bun).
import type { PtyExit, PtyProcess, PtySpawnOptions } from "./_pty.ts";

// After the child exits, wait this long without output for end of file on the
// terminal; a background process that inherited it may keep it open forever.
const QUIET_MS = 200;

/** Starts options.file in a Bun terminal; throws (ENOENT) when it cannot be started. */
export function spawnBunPty(options: PtySpawnOptions): PtyProcess {
  let chunks = 0;
  let endOfFile!: () => void;
  const ended = new Promise<void>((resolve) => { endOfFile = resolve; });
  const child = Bun.spawn([options.file, ...options.args], {
    cwd: options.cwd,
    env: options.env,
    terminal: {
      cols: options.cols,
      rows: options.rows,
      name: options.env.TERM, // Bun does not export it as TERM; the env above does
      data(_terminal, chunk) {
        chunks++;
        options.onData(chunk);
      },
      // Called on end of file or a read error (EIO once the last writer closed); both mean no more output.
      exit() { endOfFile(); },
    },
  });
  const terminal = child.terminal!;
  let done = false;

  const exited = (async (): Promise<PtyExit> => {
    await child.exited;
    for (let seen = -1; seen !== chunks;) {
      seen = chunks;
      if (await endsWithin(ended, QUIET_MS)) break;
    }
    done = true;
    terminal.close();
    // Bun reports a signalled child as exitCode 128+n and signalCode "SIG…" (a number when the signal has no name).
    const signal = child.signalCode;
    if (signal === null) return { exitCode: child.exitCode, signal: null };
    return { exitCode: null, signal: typeof signal === "number" ? `SIG${signal}` : signal };
  })();

  return {
    write(data) {
      if (!done && child.exitCode === null && child.signalCode === null) terminal.write(data);
    },
    resize(cols, rows) {
      if (!done) terminal.resize(cols, rows);
    },
    kill(signal = "SIGHUP") {
      child.kill(signal as NodeJS.Signals); // Bun ignores a kill after exit and throws on an unknown name
    },
    exited,
  };
}

function endsWithin(ended: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const quiet = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  return Promise.race([ended.then(() => true), quiet]).finally(() => clearTimeout(timer));
}
