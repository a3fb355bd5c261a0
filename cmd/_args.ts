// Command-line parsing: a table of commands with typed options, and the usage text made from it.
import { CliError } from "./_errors.ts";

interface OptionSpec {
  long: string;
  /** Used between deployer's own processes; not in the usage text. */
  hidden?: boolean;
  short?: string;
  /** The value's name, for options that take one. */
  value?: string;
  help: string;
}

interface CommandSpec {
  name: string;
  /** Positional parameters before any action words. */
  positional: string[];
  /** Positional parameters that may be left out, after those. */
  optional?: string[];
  options: OptionSpec[];
  /** Whether `[--] ACTION ARG...` may follow. */
  action: boolean;
  help: string;
}

const SOCKET = { long: "socket", value: "S", help: "a shared session: its unix socket, or N for your session N (see list-sessions)" };
const PATH = { long: "path", value: "P", help: "start in this node (\"production web\" or \"production.web\")" };
const NON_INTERACTIVE = { long: "non-interactive", help: "never prompt: every question takes its default" };
const LOG = { long: "log", value: "F", help: "also write a log of every command to file F" };
const SCP = { long: "scp", help: "open the SCP shell instead of the deployment shell" };
const PARALLEL = { long: "parallel", value: "N", help: "work on at most N hosts at once (default 256)" };
const FORCE = { long: "force", help: "overwrite FILE (init), and a node_modules/deployer that deployer did not write" };
const ACCEPT = { long: "accept-new-host-keys", help: "trust SSH host keys not yet in known_hosts (and record them)" };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "run", positional: ["FILE"], action: true,
    help: "open the shell over FILE's nodes, or run one action and exit",
    options: [{ long: "single-threaded", short: "s", help: "run in this process, without a session server" }, SOCKET, PATH, NON_INTERACTIVE, LOG, SCP, PARALLEL, ACCEPT],
  },
  {
    name: "listen", positional: ["FILE"], action: false, help: "serve FILE's session on a unix socket, for connect",
    options: [SOCKET, LOG, NON_INTERACTIVE, PARALLEL, ACCEPT, { long: "exit-when-idle", hidden: true, help: "stop when the last terminal leaves" }],
  },
  {
    name: "connect", positional: [], action: true, help: "join a session (listen, or another terminal's run)",
    options: [SOCKET, PATH, SCP, { long: "window", value: "TOKEN", hidden: true, help: "a window the session asked for" }],
  },
  {
    name: "telnet-server", positional: ["FILE"], action: false, help: "serve FILE's shell over telnet (loopback only by default)",
    options: [
      { long: "port", value: "N", help: "TCP port of the telnet server (default 8023)" },
      { long: "bind", value: "ADDR", help: "address to listen on (default 127.0.0.1; telnet is unencrypted)" },
      { long: "password-file", value: "F", help: "ask for a login; F holds user:scrypt-hash lines (see README). Without it, only you may connect, from this machine" },
      LOG, NON_INTERACTIVE, PARALLEL, ACCEPT,
    ],
  },
  { name: "telnet-passwd", positional: ["FILE", "USER"], action: false, help: "add or change a login in a telnet-server password file", options: [] },
  { name: "list-sessions", positional: [], action: false, help: "list this user's sessions, their terminals and what each runs", options: [] },
  { name: "scp", positional: ["FILE"], action: false, help: "open the SCP shell over FILE's hosts", options: [ACCEPT] },
  {
    name: "init", positional: [], optional: ["FILE"], action: false, help: "write a starter FILE (deploy.ts), a tsconfig.json and the editor types",
    options: [FORCE],
  },
  {
    name: "types", positional: [], optional: ["DIR"], action: false, help: "write DIR/node_modules/deployer (type declarations) for editors",
    options: [FORCE],
  },
];

export interface ParsedArgs {
  command: string;
  positional: Record<string, string>;
  options: Record<string, string | true>;
  /** Node path words, then the action, then its arguments. */
  action: string[];
}

export type Invocation = { kind: "help" } | { kind: "version" } | { kind: "command"; args: ParsedArgs };

/** Parse argv (without the program name). Throws CliError (exit 2) with the usage on bad input. */
export function parseArgs(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") return { kind: "help" };
  if (first === "--version" || first === "-V") return { kind: "version" };
  const spec = COMMANDS.find((c) => c.name === first);
  if (!spec) {
    throw new CliError(first.startsWith("-") ? `unknown option ${first}` : `unknown command "${first}"`, 2, [usage()]);
  }
  const end = rest.indexOf("--");
  const own = end < 0 ? rest : rest.slice(0, end);
  if (own.includes("-h") || own.includes("--help")) return { kind: "help" };
  return { kind: "command", args: parseCommand(spec, rest) };
}

function parseCommand(spec: CommandSpec, words: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { command: spec.name, positional: {}, options: {}, action: [] };
  const loose: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "--") {
      if (!spec.action) throw usageError(spec, `"${spec.name}" runs no action: unexpected arguments after --`);
      parsed.action.push(...words.slice(i + 1));
      break;
    }
    if (word.startsWith("-") && word !== "-") {
      const [name, inline] = word.startsWith("--") ? splitInline(word.slice(2)) : [word.slice(1), undefined];
      const option = spec.options.find((o) => (word.startsWith("--") ? o.long === name : o.short === name));
      if (!option) throw usageError(spec, `unknown option ${word.split("=")[0]}`);
      if (option.value) {
        const value = inline ?? words[++i];
        if (value === undefined) throw usageError(spec, `option --${option.long} needs a value (${option.value})`);
        parsed.options[option.long] = value;
      } else {
        if (inline !== undefined) throw usageError(spec, `option --${option.long} takes no value`);
        parsed.options[option.long] = true;
      }
      continue;
    }
    loose.push(word);
  }
  for (const name of spec.positional) {
    const value = loose.shift();
    if (value === undefined) throw usageError(spec, `missing ${name}`);
    parsed.positional[name] = value;
  }
  for (const name of spec.optional ?? []) {
    const value = loose.shift();
    if (value !== undefined) parsed.positional[name] = value;
  }
  if (loose.length) {
    if (!spec.action) throw usageError(spec, `unexpected argument "${loose[0]}"`);
    parsed.action.unshift(...loose);
  }
  if (parsed.options.scp && parsed.action.length) throw usageError(spec, "--scp cannot be combined with an action");
  return parsed;
}

function splitInline(text: string): [string, string | undefined] {
  const at = text.indexOf("=");
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function usageError(spec: CommandSpec, message: string): CliError {
  return new CliError(message, 2, [`usage: ${synopsis(spec)}`]);
}

function synopsis(spec: CommandSpec): string {
  const options = spec.options.filter((o) => !o.hidden).map((o) => `[${o.short ? `-${o.short}|` : ""}--${o.long}${o.value ? ` ${o.value}` : ""}]`);
  return ["deployer", spec.name, ...spec.positional, ...(spec.optional ?? []).map((name) => `[${name}]`), ...options, ...(spec.action ? ["[-- ACTION ARG...]"] : [])].join(" ");
}

/** The full usage text, as printed by --help. */
export function usage(): string {
  const lines = ["Usage:"];
  for (const spec of COMMANDS) lines.push(`  ${synopsis(spec)}`);
  lines.push("  deployer --help | --version", "", "Commands:");
  for (const spec of COMMANDS) lines.push(`  ${spec.name.padEnd(14)} ${spec.help}`);
  lines.push("", "Options:");
  const seen = new Set<string>();
  for (const option of COMMANDS.flatMap((c) => c.options)) {
    if (seen.has(option.long) || option.hidden) continue;
    seen.add(option.long);
    const flag = `${option.short ? `-${option.short}, ` : ""}--${option.long}${option.value ? ` ${option.value}` : ""}`;
    lines.push(`  ${flag.padEnd(28)} ${option.help}`);
  }
  lines.push(
    "",
    "-- ACTION ARG... names a node path, then an action and its arguments, e.g.",
    "  deployer run deploy.ts --non-interactive -- production deploy v1.2",
    "It runs that one action and exits: 0 on success, 1 if the action failed, 2 on bad input.",
  );
  return lines.join("\n");
}
