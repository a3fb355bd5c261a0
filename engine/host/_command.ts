// Building the shell command line a host runs: pure functions, unit-tested against a real bash.
import { shellQuote } from "../utils.ts";

/** The prompt sudo is told to print, so that deployer can recognise it and answer it. */
export const SUDO_PROMPT = "[:__enter-sudo-password__:]";

export interface CommandOptions {
  sandbox: boolean;
  sudo: boolean;
  /** Run as this user (through sudo). */
  user?: string;
  /** Working directory, already resolved; undefined keeps the login directory. */
  cwd?: string;
  env?: ReadonlyArray<readonly [string, string]>;
  prefixes?: readonly string[];
}

/** The full command line for `command` under `options`. */
export function buildCommand(command: string, options: CommandOptions): string {
  let cmd = [...(options.prefixes ?? []), command].join(" && ");
  if (options.sandbox) cmd = `bash -n -c ${shellQuote(cmd)}`;
  if (options.sudo || options.user) {
    const asUser = options.user ? ` -u ${shellQuote(options.user)}` : "";
    cmd = `sudo -S -p ${shellQuote(SUDO_PROMPT)}${asUser} bash -c ${shellQuote(cmd)}`;
  }
  const setup: string[] = [];
  if (options.cwd !== undefined) {
    const cd = `cd ${shellQuote(options.cwd)}`;
    setup.push(options.sandbox ? `if [ -d ${shellQuote(options.cwd)} ]; then ${cd}; fi` : cd);
  }
  for (const [name, value] of options.env ?? []) setup.push(`export ${name}=${shellQuote(value)}`);
  return setup.length ? `${setup.join(" && ")} && (${cmd})` : cmd;
}
