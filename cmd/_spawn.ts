// The background server behind `deployer run`: started detached, it outlives this terminal's
// hang-ups and stops by itself when its last terminal leaves.
import { nodeChildProcess } from "../engine/_builtins.ts";
import type { ParsedArgs } from "./_args.ts";
import { CliError } from "./_errors.ts";
import type { Io } from "./index.ts";
import { selfCommand } from "./_self.ts";
import { freeSocketPath } from "./_sockets.ts";

/** The line the server prints once it listens (then it never writes to its stdout again). */
export const READY = "deployer-session-ready";

/** Start `listen FILE --exit-when-idle` in the background; resolves to its socket once it listens. */
export async function startBackgroundServer(args: ParsedArgs, io: Io): Promise<string> {
  const socket = freeSocketPath();
  const [program, ...prefix] = selfCommand();
  const forwarded = ["accept-new-host-keys", "non-interactive"].filter((o) => args.options[o] === true).map((o) => `--${o}`);
  for (const option of ["log", "parallel"]) {
    const value = args.options[option];
    if (typeof value === "string") forwarded.push(`--${option}`, value);
  }
  const child = nodeChildProcess().spawn(program!, [...prefix, "listen", args.positional.FILE!, "--socket", socket, "--exit-when-idle", ...forwarded], {
    cwd: io.cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => { out += text; });
  child.stderr!.setEncoding("utf8").on("data", (text: string) => { err += text; });
  return await new Promise<string>((resolve, reject) => {
    // The server has a session of its own, so Ctrl-C on this terminal never reaches it: stop it from
    // here if the user gives up while it loads deploy.ts (which may never finish: a loop at import).
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    // SIGINT first, so the server stops the loop with its own clean-up (the bundle file it imports
    // from); SIGKILL if it is still there a second later (a loop after a top-level await).
    const stop = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        child.kill(signal);
      }
    };
    let interruption: { error: CliError; killer: ReturnType<typeof setTimeout> } | undefined;
    const interrupted = (signal: NodeJS.Signals): void => {
      settled();
      const error = new CliError(`interrupted (${signal}) while the session server was loading ${args.positional.FILE}; stopped it`, 130);
      interruption = { error, killer: setTimeout(() => stop("SIGKILL"), 1000) };
      stop("SIGINT");
    };
    for (const signal of signals) process.on(signal, interrupted);
    const settled = () => { for (const signal of signals) process.off(signal, interrupted); };
    const check = (): void => {
      if (!out.includes(READY)) return;
      settled();
      child.stdout!.off("data", check);
      child.stdout!.destroy();
      child.stderr!.destroy();
      child.unref();
      resolve(socket);
    };
    child.stdout!.on("data", check);
    child.once("error", (error) => reject(new CliError(`cannot start the session server: ${error.message}`)));
    child.once("exit", (code) => {
      settled();
      if (interruption) {
        clearTimeout(interruption.killer);
        return reject(interruption.error);
      }
      // The server's own one-line error (a broken deploy.ts, say) is the user's error.
      const lines = err.trim().split("\n").filter(Boolean);
      const first = (lines[0] ?? `the session server exited with status ${code}`).replace(/^deployer: /, "");
      reject(new CliError(first, code === 0 || code === null ? 2 : code, lines.slice(1).map((l) => l.replace(/^ {2}/, ""))));
    });
  });
}
