// Building the shell command line a host runs: pure functions, unit-tested against a real bash.
import { noNul, shellQuote } from "../utils.ts";
import { contextSetup, EMPTY_CONTEXT, type HostContext } from "./_context.ts";

/**
 * The longest command line a host can run: the shell gets it as one argument, and Linux limits one
 * argument to 128 KiB with its terminating NUL (MAX_ARG_STRLEN); sshd and a local bash alike fail
 * beyond it, sshd by dropping the connection when the request outgrows its packet size.
 */
export const MAX_COMMAND_BYTES = 128 * 1024 - 1;

/** The prompt sudo is told to print, so that deployer can recognise it and answer it. */
export const SUDO_PROMPT = "[:__enter-sudo-password__:]";

/**
 * What the shell sudo starts prints first on stderr, its process group between two \x1e bytes
 * (taken off the output): the processes a sudo'd command starts run as root, which the login user
 * cannot signal, so stopping the command (a timeout, Ctrl-C) signals that group through sudo.
 */
export const SUDO_GROUP_MARK = "\x1edeployer-sudo-pgid:";

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
  noNul(command, "command");
  let cmd = options.sandbox ? `bash -n -c ${shellQuote(command)}` : command;
  const { cd, exports } = contextSetup(context, { sandbox: options.sandbox });
  const inner = [...exports, ...context.prefixes];
  if (inner.length) cmd = `${inner.join(" && ")} && (${cmd})`;
  if (options.sudo || options.user !== undefined) {
    const asUser = options.user !== undefined ? ` -H -u ${shellQuote(options.user)}` : "";
    // The shell's process group, from /proc without a fork (its pid where there is no /proc).
    const mark = `{ read -r _ _ _ _ g _ < /proc/$$/stat; } 2>/dev/null; printf '\\036deployer-sudo-pgid:%s\\036' "\${g:-$$}" >&2`;
    cmd = `sudo -S -p ${shellQuote(SUDO_PROMPT)}${asUser} bash -c ${shellQuote(`${mark}; ${cmd}`)}`;
  } else if (inner.length || cd) {
    cmd = `(${cmd})`;
  }
  return checkCommandLine(cd ? `${cd} && ${cmd}` : cmd);
}

/** `line` itself if a host can run it unchanged, else a TypeError saying why not. */
function checkCommandLine(line: string): string {
  noNul(line, "command");
  const lone = /\p{Cs}/u.exec(line);
  if (lone) throw new TypeError(`command: the text is not valid Unicode (a lone UTF-16 surrogate at offset ${lone.index}), so it cannot be sent as UTF-8 unchanged`);
  const bytes = Buffer.byteLength(line);
  if (bytes > MAX_COMMAND_BYTES) {
    throw new TypeError(`command: the command line is ${bytes} bytes, but a host runs at most ${MAX_COMMAND_BYTES} bytes (one shell argument); send large data as a file (putFile, open) or on standard input (initialInput)`);
  }
  return line;
}

/**
 * The command that stops what is left of process group `pgid` once its leader (the shell of a
 * stopped command) is gone: SIGTERM, then SIGKILL if anything is still there a second later. A
 * group whose processes are all gone ends it at once; one that goes after the SIGTERM, as soon as it has.
 */
export function sweepCommand(pgid: number): string {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`not a process group: ${pgid}`);
  const group = `-- -${pgid} 2>/dev/null`;
  return `kill -TERM ${group} || exit 0; for _ in 1 2 3 4 5 6 7 8 9 10; do sleep 0.1; kill -0 ${group} || exit 0; done; kill -KILL ${group}; true`;
}
