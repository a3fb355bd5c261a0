// What a terminal asks of a loaded deploy script: a shell (at a node), the SCP shell, or one action.
import { homedir } from "node:os";
import { basename, join } from "node:path";
import * as engine from "../engine/index.ts";
import { Shell, type ShellOptions } from "../shell/index.ts";
import { openScpShell } from "../scp/index.ts";
import { runAction } from "./_action.ts";
import { CliError } from "./_errors.ts";
import { VERSION } from "./_version.ts";
import { sha256Hex } from "../engine/_builtins.ts";

export interface InteractionRequest {
  /** Start at this node. */
  path: string[];
  /** Node words, action, arguments: run it and end. */
  action: string[];
  scp: boolean;
  /** The user's working directory (the SCP shell's local side). */
  cwd: string;
}

export interface InteractionContext {
  env: engine.Node;
  pty: engine.Pty;
  /** The script as the user named it (for messages), and its absolute path (history, source). */
  file: string;
  script: string;
  color: boolean;
  /** What the run mode adds to the shell (e.g. `new` in a shared session). */
  shell?: Pick<ShellOptions, "extraCommands" | "keyBindings" | "promptPrefix" | "options">;
  /** Called with the shell once it exists (the session server reports where each shell is). */
  onShell?: (shell: Shell) => void;
}

/** Run what `request` asks on `context`'s terminal; resolves to the exit code, throws CliError. */
export async function interact(context: InteractionContext, request: InteractionRequest): Promise<number> {
  const { env, pty, file, script, color } = context;
  if (request.action.length) return await runAction(env, [...request.path, ...request.action], pty.stdout as never);
  const shell = new Shell({
    root: env, pty, color, version: VERSION, sourceFile: script, historyFile: historyFile(script), ...context.shell,
  });
  if (request.path.length) {
    const node = shell.walk(request.path);
    if (!node) throw new CliError(`--path: ${unknownStep(shell, request.path)} in ${file}`);
    shell.cd(node);
  }
  context.onShell?.(shell);
  if (request.scp) {
    await openScpShell(shell.state.node, { pty, color, localCwd: request.cwd, historyFile: `${historyFile(script)}.scp` });
    return 0;
  }
  await shell.run();
  return 0;
}

/** Names the first word of a --path that is not a node. */
function unknownStep(shell: Shell, path: string[]): string {
  for (let i = 1; i <= path.length; i++) {
    if (!shell.walk(path.slice(0, i))) {
      const at = i === 1 ? "the root" : path.slice(0, i - 1).join(" ");
      return `no node "${path[i - 1]}" at ${at}`;
    }
  }
  return `no node ${path.join(" ")}`;
}

/** One history file per deploy script, in the user's state directory. */
export function historyFile(script: string): string {
  const base = process.env.XDG_STATE_HOME || join(process.env.HOME || homedir(), ".local", "state");
  const id = sha256Hex(script).slice(0, 12);
  return join(base, "deployer", "history", `${basename(script)}-${id}`);
}

/** `--path "a b"` or `--path a.b` → ["a", "b"]. */
export function splitPath(path: string | true | undefined): string[] {
  return typeof path === "string" ? path.split(/[\s.]+/).filter(Boolean) : [];
}
