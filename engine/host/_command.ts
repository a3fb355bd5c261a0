// Building the shell command line a host runs: pure functions, unit-tested against a real bash.
import { shellQuote } from "../utils.ts";
import { contextSetup, EMPTY_CONTEXT, type HostContext } from "./_context.ts";

/** The prompt sudo is told to print, so that deployer can recognise it and answer it. */
export const SUDO_PROMPT = "[:__enter-sudo-password__:]";

export interface CommandOptions {
  sandbox: boolean;
  sudo: boolean;
  /** Run as this user (through sudo, with that user's HOME). */
  user?: string;
  context?: HostContext;
}

/**
 * The full command line: `cd …` first (outside sudo, so a missing directory fails before
 * anything runs), then, inside sudo when asked, the exports, the prefixes and the command in a
 * subshell, so `a || b` in the command can never run after a failed `cd` or prefix.
 */
export function buildCommand(command: string, options: CommandOptions): string {
  const context = options.context ?? EMPTY_CONTEXT;
  let cmd = options.sandbox ? `bash -n -c ${shellQuote(command)}` : command;
  const { cd, exports } = contextSetup(context, { sandbox: options.sandbox });
  const inner = [...exports, ...context.prefixes];
  if (inner.length) cmd = `${inner.join(" && ")} && (${cmd})`;
  if (options.sudo || options.user !== undefined) {
    const asUser = options.user !== undefined ? ` -H -u ${shellQuote(options.user)}` : "";
    cmd = `sudo -S -p ${shellQuote(SUDO_PROMPT)}${asUser} bash -c ${shellQuote(cmd)}`;
  } else if (inner.length || cd) {
    cmd = `(${cmd})`;
  }
  return cd ? `${cd} && ${cmd}` : cmd;
}
