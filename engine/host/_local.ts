// LocalHost: runs commands on this machine with bash.
import { spawn } from "node:child_process";
import type { Backend, ExecProcess, ExecRequest } from "./_backend.ts";
import { Host } from "./_host.ts";

/** This machine. Commands run with /bin/bash -c. */
export class LocalHost extends Host {
  override slug = "localhost";

  protected createBackend(): Backend {
    return new LocalBackend();
  }
}

class LocalBackend implements Backend {
  async connect(): Promise<void> {}
  async close(): Promise<void> {}

  exec(request: ExecRequest): ExecProcess {
    const child = spawn("/bin/bash", ["-c", request.command], {
      stdio: ["pipe", "pipe", "pipe"],
      signal: request.signal,
    });
    child.stdout.on("data", (chunk: Buffer) => request.onStdout(chunk));
    child.stderr.on("data", (chunk: Buffer) => request.onStderr(chunk));
    child.stdin.on("error", () => { /* the command may exit without reading its input */ });
    const done = new Promise<{ exitCode: number | null; signal: string | null }>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (exitCode, signal) => resolve({ exitCode, signal }));
    });
    return {
      write: (data) => { child.stdin.write(data); },
      end: () => { child.stdin.end(); },
      done,
    };
  }
}
