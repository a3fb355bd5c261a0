// How to start this program again (the background server, a new tmux pane's client).
import { shellQuote } from "../engine/index.ts";

/** argv that runs deployer: the compiled binary alone, or the runtime and the entry script. */
export function selfCommand(): string[] {
  const script = process.argv[1];
  const fromSource = script !== undefined && /\.[cm]?[jt]s$/.test(script) && !script.startsWith("/$bunfs/");
  if (!fromSource) return [process.execPath];
  const deno = (globalThis as { Deno?: unknown }).Deno !== undefined;
  return deno ? [process.execPath, "run", "-A", script] : [process.execPath, script];
}

/** The same, as one line for a shell (tmux runs pane commands through one). */
export function selfCommandLine(args: readonly string[]): string {
  return [...selfCommand(), ...args].map((word) => shellQuote(word)).join(" ");
}
