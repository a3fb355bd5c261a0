// Reading OpenSSH client configuration (ssh_config(5)) and resolving the settings for one destination.
//
// Precedence, as in OpenSSH: for each keyword the first value obtained wins. The user and port given in
// options (or as `user@` in the destination) come first, like ssh's command line; then the files in the
// order given; then the lines of each file in order. IdentityFile accumulates instead (duplicates dropped).
// ProxyJump and ProxyCommand compete: whichever comes first disables the other. Include inside a Host or
// Match block applies only when that block does, and a Host/Match line inside an included file does not
// outlive that file.
//
// Matching: Host patterns are tried against the destination exactly as given (case-sensitive, as in
// OpenSSH). `Match host` tries the HostName obtained so far (its %h expanded) or else the destination;
// `Match originalhost` the destination; both case-insensitive. `Match user` tries the user obtained so far
// or else the local user. Every other Match criterion (exec, localuser, canonical, final, ...) makes the
// block never apply, with a warning: nothing is executed, and there is no canonicalisation or final pass.
//
// Tokens are expanded once every line is read, from the final values, as OpenSSH 9.2 documents:
// HostName takes %% %h (the destination); IdentityFile and UserKnownHostsFile take `~`, ${ENV} and
// %% %C %d %h %i %k %L %l %n %p %r %u; each ProxyJump hop's user and host take %% %h %n %p %r.
// The resolved HostName is lowercased, as ssh does.
import { readdirSync, readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { localUsername } from "../_user.ts";
import { isAbsolute, join } from "node:path";
import { nodeCrypto } from "../_builtins.ts";

export interface SshConfigSettings {
  hostName?: string; port?: number; user?: string; identityFiles: string[]; identitiesOnly?: boolean;
  proxyJump?: ProxyJumpHop[];   // undefined when not set; [] for "none"
  connectTimeout?: number; serverAliveInterval?: number; serverAliveCountMax?: number;
  strictHostKeyChecking?: "yes" | "no" | "accept-new" | "ask";
  userKnownHostsFiles?: string[];   // [] for "none"
  preferredAuthentications?: string[];
  passwordAuthentication?: boolean; pubkeyAuthentication?: boolean;
  warnings: string[];           // "file:line: message"
}

export interface ProxyJumpHop { host: string; port?: number; user?: string }

/** One parsed config file; Include entries carry their files once loaded by `loadSshConfig`. */
export interface SshConfigFile { path: string; entries: SshConfigEntry[] }

export type SshConfigEntry =
  | { kind: "host"; line: number; patterns: string[] }
  | { kind: "match"; line: number; condition: MatchCondition }
  | { kind: "include"; line: number; patterns: string[]; files?: SshConfigFile[] }
  | { kind: "setting"; line: number; setting: Setting }
  | { kind: "unknown"; line: number; keyword: string }
  | { kind: "warning"; line: number; message: string };

export type MatchCondition =
  | { kind: "all" }
  | { kind: "never" }
  | { kind: "criteria"; criteria: { attribute: "host" | "originalhost" | "user"; patterns: string; negated: boolean }[] };

interface Values {
  hostName: string; port: number; user: string; identityFile: string; identitiesOnly: boolean;
  proxyJump: ProxyJumpHop[]; proxyCommand: string; connectTimeout: number; serverAliveInterval: number;
  serverAliveCountMax: number; strictHostKeyChecking: "yes" | "no" | "accept-new" | "ask";
  userKnownHostsFiles: string[]; preferredAuthentications: string[]; passwordAuthentication: boolean;
  pubkeyAuthentication: boolean; hostKeyAlias: string; ignoreUnknown: string;
}
export type Setting = { [K in keyof Values]: { key: K; value: Values[K] } }[keyof Values];

// Keywords OpenSSH accepts that we parse and ignore (no warning), including deprecated and distro ones.
const IGNORED = new Set(`addkeystoagent addressfamily afstokenpassing batchmode bindaddress bindinterface
  canonicaldomains canonicalizefallbacklocal canonicalizehostname canonicalizemaxdots canonicalizepermittedcnames
  casignaturealgorithms certificatefile challengeresponseauthentication channeltimeout checkhostip cipher ciphers
  clearallforwardings compression compressionlevel connectionattempts controlmaster controlpath controlpersist
  dynamicforward enableescapecommandline enablesshkeysign escapechar exitonforwardfailure fallbacktorsh
  fingerprinthash forkafterauthentication forwardagent forwardx11 forwardx11timeout forwardx11trusted gatewayports
  globalknownhostsfile globalknownhostsfile2 gssapiauthentication gssapiclientidentity gssapidelegatecredentials
  gssapikexalgorithms gssapikeyexchange gssapirenewalforcesrekey gssapiserveridentity gssapitrustdns hashknownhosts
  hostbasedacceptedalgorithms hostbasedauthentication hostbasedkeytypes hostkeyalgorithms identityagent ipqos
  kbdinteractiveauthentication kbdinteractivedevices keepalive kerberosauthentication kerberostgtpassing
  kexalgorithms knownhostscommand localcommand localforward loglevel logverbose macs nohostauthenticationforlocalhost
  numberofpasswordprompts obscurekeystroketiming permitlocalcommand permitremoteopen pkcs11provider protocol
  proxyusefdpass pubkeyacceptedalgorithms pubkeyacceptedkeytypes refuseconnection rekeylimit remotecommand
  remoteforward requiredrsasize requesttty revokedhostkeys rhostsauthentication rhostsrsaauthentication
  rsaauthentication securitykeyprovider sendenv sessiontype setenv skeyauthentication smartcarddevice stdinnull
  streamlocalbindmask streamlocalbindunlink syslogfacility tag tcpkeepalive tisauthentication tunnel tunneldevice
  updatehostkeys useprivilegedport useroaming usersh userknownhostsfile2 verifyhostkeydns visualhostkey
  warnweakcrypto xauthlocation`.split(/\s+/));
const UNSUPPORTED_MATCH = new Set(["exec", "localuser", "localnetwork", "tagged", "version", "sessiontype", "command"]);
const MAX_INCLUDE_DEPTH = 16; // OpenSSH's READCONF_MAX_DEPTH
const FLAGS: Record<string, boolean> = { yes: true, true: true, no: false, false: false };
const PUBKEY: Record<string, boolean> = { ...FLAGS, unbound: true, "host-bound": true };
const STRICT: Record<string, Values["strictHostKeyChecking"]> =
  { yes: "yes", true: "yes", no: "no", false: "no", off: "no", ask: "ask", "accept-new": "accept-new" };
const SECONDS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** A record lookup that ignores Object.prototype ("constructor" is not a keyword). */
const own = <T>(record: Record<string, T>, key: string): T | undefined => Object.hasOwn(record, key) ? record[key] : undefined;

type Parsed = Setting | string | undefined; // a setting, a problem, or a valid no-op
const one = (parse: (value: string) => Parsed) => (args: string[]): Parsed =>
  args.length > 1 ? "extra arguments at end of line" : parse(args[0]!);
const flag = (key: "identitiesOnly" | "passwordAuthentication") => one((value) => {
  const found = own(FLAGS, value.toLowerCase());
  return found === undefined ? `expected yes or no, got "${value}"` : { key, value: found };
});
const time = (key: "connectTimeout" | "serverAliveInterval") => one((value) => {
  if (value === "none") return undefined; // OpenSSH stores "unset", so a later value may still apply
  const total = seconds(value);
  return total === undefined ? `bad time value "${value}"` : { key, value: total };
});
const identityFile = one((value) => ({ key: "identityFile", value }));
const pubkey = one((value) => {
  const found = own(PUBKEY, value.toLowerCase());
  return found === undefined ? `expected yes, no, unbound or host-bound, got "${value}"` : { key: "pubkeyAuthentication", value: found };
});

const KEYWORDS: Record<string, (args: string[]) => Parsed> = {
  hostname: one((value) => ({ key: "hostName", value })),
  user: one((value) => ({ key: "user", value })),
  hostkeyalias: one((value) => ({ key: "hostKeyAlias", value })),
  ignoreunknown: one((value) => ({ key: "ignoreUnknown", value })),
  identityfile: identityFile,
  identityfile2: identityFile,
  port: one((value) => {
    const port = toPort(value);
    return port === undefined ? `bad port "${value}" (a number from 1 to 65535)` : { key: "port", value: port };
  }),
  connecttimeout: time("connectTimeout"),
  serveraliveinterval: time("serverAliveInterval"),
  serveralivecountmax: one((value) => /^\d{1,9}$/.test(value)
    ? { key: "serverAliveCountMax", value: Number(value) } : `bad number "${value}"`),
  identitiesonly: flag("identitiesOnly"),
  passwordauthentication: flag("passwordAuthentication"),
  pubkeyauthentication: pubkey,
  dsaauthentication: pubkey,
  stricthostkeychecking: one((value) => {
    const found = own(STRICT, value.toLowerCase());
    return found === undefined ? `expected yes, no, accept-new, ask or off, got "${value}"` : { key: "strictHostKeyChecking", value: found };
  }),
  preferredauthentications: one((value) => ({ key: "preferredAuthentications", value: value.split(",").filter(Boolean) })),
  userknownhostsfile: (args) => {
    if (args.includes("")) return "empty argument";
    const none = args.some((arg) => arg.toLowerCase() === "none");
    if (none && args.length > 1) return `"none" must appear alone`;
    return { key: "userKnownHostsFiles", value: none ? [] : args };
  },
  proxyjump: one(parseProxyJump),
};

/** Parse config text without touching the file system; problems become warning entries. */
export function parseSshConfig(text: string, file = "ssh_config"): SshConfigFile {
  return { path: file, entries: text.split("\n").flatMap((raw, index) => parseLine(raw, index + 1)) };
}

/** Read and parse a config file and, recursively, its Includes; undefined when it does not exist. */
export function loadSshConfig(path: string, options: { homeDir?: string } = {}): SshConfigFile | undefined {
  const homeDir = options.homeDir ?? homedir();
  return load(expandTilde(path, homeDir) ?? path, homeDir, 0);
}

/** The settings for `destination` (`[user@]host`), from files in order (user config before system config). */
export function resolveSshConfig(
  files: SshConfigFile | SshConfigFile[] | string,
  destination: string,
  options: { user?: string; port?: number; homeDir?: string; localUser?: string } = {},
): SshConfigSettings {
  const homeDir = options.homeDir ?? homedir();
  const loaded = typeof files === "string" ? loadSshConfig(files, { homeDir }) : files;
  const at = destination.lastIndexOf("@");
  const state: State = {
    host: destination.slice(at + 1), localUser: options.localUser ?? currentUser(), homeDir,
    chosen: new Map(), identityFiles: [], warnings: [],
  };
  const user = options.user ?? (at > 0 ? destination.slice(0, at) : undefined);
  if (user !== undefined) choose(state, { key: "user", value: user }, "options");
  if (options.port !== undefined) {
    if (toPort(String(options.port)) === undefined) state.warnings.push(`options: bad port ${options.port}; ignored`);
    else choose(state, { key: "port", value: options.port }, "options");
  }
  for (const file of loaded === undefined ? [] : [loaded].flat()) walk(file, state, true, false);
  return settle(state);
}

interface State {
  host: string; localUser: string; homeDir: string;
  chosen: Map<keyof Values, { setting: Setting; at: string }>;
  identityFiles: { value: string; at: string }[];
  warnings: string[];
}

function first<K extends keyof Values>(state: State, key: K): { value: Values[K]; at: string } | undefined {
  const hit = state.chosen.get(key);
  return hit && { value: hit.setting.value as Values[K], at: hit.at };
}

function choose(state: State, setting: Setting, at: string): void {
  if (setting.key === "identityFile") {
    if (!state.identityFiles.some((file) => file.value === setting.value)) state.identityFiles.push({ value: setting.value, at });
    return;
  }
  // ProxyJump (even "none") and ProxyCommand: the first one seen disables the other.
  const rival = setting.key === "proxyJump" ? "proxyCommand" : setting.key === "proxyCommand" ? "proxyJump" : undefined;
  if (rival !== undefined && state.chosen.has(rival)) return;
  if (!state.chosen.has(setting.key)) state.chosen.set(setting.key, { setting, at });
}

function walk(file: SshConfigFile, state: State, active: boolean, neverMatch: boolean): void {
  for (const entry of file.entries) {
    const at = entry.line > 0 ? `${file.path}:${entry.line}` : file.path;
    switch (entry.kind) {
      case "warning": state.warnings.push(`${at}: ${entry.message}`); break;
      case "unknown": {
        const ignored = first(state, "ignoreUnknown")?.value;
        if (ignored === undefined || matchList(entry.keyword.toLowerCase(), ignored.toLowerCase()) !== 1)
          state.warnings.push(`${at}: unknown keyword "${entry.keyword}"; ignored`);
        break;
      }
      case "host": active = !neverMatch && hostMatches(entry.patterns, state.host); break;
      case "match": active = !neverMatch && matchApplies(entry.condition, state); break;
      case "include":
        if (entry.files === undefined) state.warnings.push(`${at}: Include not loaded (text parsed without loadSshConfig)`);
        for (const included of entry.files ?? []) walk(included, state, active, neverMatch || !active);
        break;
      case "setting": if (active) choose(state, entry.setting, at); break;
    }
  }
}

function hostMatches(patterns: string[], host: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    if (!wildcard(negated ? pattern.slice(1) : pattern, host)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function matchApplies(condition: MatchCondition, state: State): boolean {
  if (condition.kind !== "criteria") return condition.kind === "all";
  const hostName = first(state, "hostName")?.value;
  const subjects = {
    host: (hostName === undefined ? state.host : hostName.replace(/%([%h])/g, (_, t) => t === "h" ? state.host : "%")).toLowerCase(),
    originalhost: state.host.toLowerCase(),
    user: first(state, "user")?.value ?? state.localUser,
  };
  return condition.criteria.every(({ attribute, patterns, negated }) => {
    const list = attribute === "user" ? patterns : patterns.toLowerCase();
    return (matchList(subjects[attribute], list) === 1) !== negated;
  });
}

/** OpenSSH's match_pattern_list: 1 on a positive match, -1 when a negated pattern matches, else 0. */
function matchList(subject: string, list: string): number {
  let result = 0;
  for (const pattern of list.split(",")) {
    const negated = pattern.startsWith("!");
    if (!wildcard(negated ? pattern.slice(1) : pattern, subject)) continue;
    if (negated) return -1;
    result = 1;
  }
  return result;
}

function wildcard(pattern: string, subject: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s").test(subject);
}

function settle(state: State): SshConfigSettings {
  const { warnings } = state;
  const get = <K extends keyof Values>(key: K) => first(state, key)?.value;
  const rawHostName = first(state, "hostName");
  const hostName = rawHostName && expand(rawHostName.value, { "%": "%", h: state.host }, false, rawHostName.at, warnings)?.toLowerCase();
  const host = hostName ?? state.host.toLowerCase();
  const port = String(get("port") ?? 22);
  const user = get("user") ?? state.localUser;
  const local = hostname();
  const tokens: Record<string, string> = {
    "%": "%", h: host, p: port, r: user, n: state.host, u: state.localUser, d: state.homeDir,
    l: local, L: local.split(".")[0]!, i: String(process.getuid?.() ?? ""), k: get("hostKeyAlias") ?? state.host,
    C: nodeCrypto().createHash("sha1").update(local + host + port + user).digest("hex"),
  };
  const path = (raw: string, at: string) => expand(expandTilde(raw, state.homeDir, at, warnings) ?? raw, tokens, true, at, warnings);
  const knownHosts = first(state, "userKnownHostsFiles");
  const jump = first(state, "proxyJump");
  const jumpTokens = { "%": "%", h: host, n: state.host, p: port, r: user };
  const command = first(state, "proxyCommand");
  if (command !== undefined && command.value.toLowerCase() !== "none")
    warnings.push(`${command.at}: ProxyCommand is not supported; connecting without it`);
  return {
    hostName, port: get("port"), user: get("user"),
    identityFiles: state.identityFiles.flatMap(({ value, at }) => path(value, at) ?? []),
    identitiesOnly: get("identitiesOnly"),
    proxyJump: jump?.value.map((hop) => ({
      ...hop,
      host: expand(hop.host, jumpTokens, false, jump.at, warnings) ?? hop.host,
      ...(hop.user === undefined ? {} : { user: expand(hop.user, jumpTokens, false, jump.at, warnings) ?? hop.user }),
    })),
    connectTimeout: get("connectTimeout"), serverAliveInterval: get("serverAliveInterval"),
    serverAliveCountMax: get("serverAliveCountMax"), strictHostKeyChecking: get("strictHostKeyChecking"),
    userKnownHostsFiles: knownHosts?.value.flatMap((file) => path(file, knownHosts.at) ?? []),
    preferredAuthentications: get("preferredAuthentications"),
    passwordAuthentication: get("passwordAuthentication"), pubkeyAuthentication: get("pubkeyAuthentication"),
    warnings,
  };
}

/** Expand %x tokens (and ${ENV} when `env`); undefined when a variable is unset, which drops the value. */
function expand(text: string, tokens: Record<string, string>, env: boolean, at: string, warnings: string[]): string | undefined {
  let unset: string | undefined;
  const expanded = text.replace(/%(.?)|\$\{([^}]*)\}/gs, (whole, token: string | undefined, name: string | undefined) => {
    if (!env && name !== undefined) return whole;
    if (name !== undefined) {
      const found = process.env[name];
      if (found === undefined) unset = name;
      return found ?? whole;
    }
    const found = own(tokens, token!);
    if (found === undefined) warnings.push(`${at}: unknown token "%${token}" in "${text}"; left as is`);
    return found ?? whole;
  });
  if (unset === undefined) return expanded;
  warnings.push(`${at}: environment variable ${unset} is not set; "${text}" ignored`);
  return undefined;
}

function expandTilde(path: string, homeDir: string, at?: string, warnings?: string[]): string | undefined {
  if (path === "~" || path.startsWith("~/")) return homeDir + path.slice(1);
  if (path.startsWith("~")) warnings?.push(`${at}: "${path}": only ~ and ~/ are expanded`);
  return undefined;
}

function parseLine(raw: string, line: number): SshConfigEntry[] {
  const text = raw.replace(/[ \t\r\n\f]+$/, "");
  const head = /^[ \t]*([^ \t=]*)[ \t]*=?[ \t]*/.exec(text)!;
  const keyword = head[1]!;
  const rest = text.slice(head[0].length);
  const warn = (message: string): SshConfigEntry[] => [{ kind: "warning", line, message }];
  if (keyword === "" ? rest === "" : keyword.startsWith("#")) return [];
  if (keyword === "") return warn("expected a keyword");
  const args = splitArgs(rest);
  if (args === undefined) return warn("unterminated quote");
  if (args.length === 0) return warn(`no argument after keyword "${keyword}"`);
  const name = keyword.toLowerCase();
  if (name === "host") {
    if (!args.includes("")) return [{ kind: "host", line, patterns: args }];
    return [...warn("Host: empty pattern"), { kind: "host", line, patterns: [] }];
  }
  if (name === "match") {
    const { condition, problem } = parseMatch(args);
    return [...(problem === undefined ? [] : warn(problem)), { kind: "match", line, condition }];
  }
  if (name === "include") return args.includes("") ? warn("Include: empty argument") : [{ kind: "include", line, patterns: args }];
  if (name === "proxycommand") return [{ kind: "setting", line, setting: { key: "proxyCommand", value: rest } }];
  const parse = own(KEYWORDS, name);
  if (parse === undefined) return IGNORED.has(name) ? [] : [{ kind: "unknown", line, keyword }];
  const parsed = parse(args);
  if (typeof parsed === "string") return warn(`${keyword}: ${parsed}`);
  return parsed === undefined ? [] : [{ kind: "setting", line, setting: parsed }];
}

/** OpenSSH's argv_split: whitespace-separated words, '…' and "…" quoting, \ escapes, # ends the line. */
function splitArgs(text: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " " || text[i] === "\t") { i++; continue; }
    if (text[i] === "#") break;
    let arg = "";
    let quote = "";
    for (; i < text.length; i++) {
      const c = text[i]!;
      const next = text[i + 1];
      if (c === "\\" && (next === "'" || next === "\"" || next === "\\" || (quote === "" && next === " "))) arg += text[++i];
      else if (quote === "" && (c === " " || c === "\t")) break;
      else if (quote === "" && (c === "\"" || c === "'")) quote = c;
      else if (c === quote) quote = "";
      else arg += c;
    }
    if (quote !== "") return undefined;
    args.push(arg);
  }
  return args;
}

function parseMatch(args: string[]): { condition: MatchCondition; problem?: string } {
  const never = (problem?: string) => ({ condition: { kind: "never" } as const, problem });
  const criteria: Extract<MatchCondition, { kind: "criteria" }>["criteria"] = [];
  const unsupported: string[] = [];
  let all: boolean | undefined; // false for "!all"
  for (let i = 0, attributes = 0; i < args.length; i++, attributes++) {
    const negated = args[i]!.startsWith("!");
    const name = args[i]!.slice(negated ? 1 : 0).toLowerCase();
    if (name === "all") {
      if (i < args.length - 1 || attributes > 1) return never(`Match: "${args[i]}" cannot be combined with other criteria`);
      all = !negated;
    } else if (name === "canonical" || name === "final") {
      unsupported.push(args[i]!);
    } else {
      const patterns = args[++i];
      if (patterns === undefined) return never(`Match: missing argument for "${name}"`);
      if (name === "host" || name === "originalhost" || name === "user") criteria.push({ attribute: name, patterns, negated });
      else if (UNSUPPORTED_MATCH.has(name)) unsupported.push(args[i - 1]!);
      else return never(`Match: unknown criterion "${name}"; the block never applies`);
    }
  }
  if (unsupported.length > 0) return never(`Match ${unsupported.join(", ")} is not supported; the block never applies`);
  if (all === false) return never();
  return { condition: criteria.length === 0 ? { kind: "all" } : { kind: "criteria", criteria } };
}

function parseProxyJump(text: string): Parsed {
  if (text.toLowerCase() === "none") return { key: "proxyJump", value: [] };
  const hops = text.split(",").map(parseHop);
  if (hops.some((hop) => hop === undefined)) return `bad ProxyJump "${text}" (expected [user@]host[:port],… or none)`;
  return { key: "proxyJump", value: hops as ProxyJumpHop[] };
}

/** `[user@]host[:port]`, `[user@][v6addr][:port]` or `ssh://[user@]host[:port]`. */
function parseHop(text: string): ProxyJumpHop | undefined {
  const uri = /^ssh:\/\//i.test(text);
  let rest = uri ? text.slice(6) : text;
  if (uri && rest.includes("/")) return undefined;
  const at = rest.lastIndexOf("@");
  const user = at >= 0 ? rest.slice(0, at) : undefined;
  rest = rest.slice(at + 1);
  const parts = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(.*))?$/.exec(rest);
  const host = parts?.[1] ?? parts?.[2];
  const port = parts?.[3] === undefined ? undefined : toPort(parts[3]);
  if (user === "" || host === undefined || /\s/.test(host) || (parts![3] !== undefined && port === undefined)) return undefined;
  return { host, ...(port === undefined ? {} : { port }), ...(user === undefined ? {} : { user }) };
}

function toPort(text: string): number | undefined {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** OpenSSH's convtime: e.g. "90", "1m30s", "1h"; undefined when malformed. */
function seconds(text: string): number | undefined {
  if (!/^(\d+[smhdw]?)+$/i.test(text)) return undefined;
  let total = 0;
  for (const [, count, unit] of text.matchAll(/(\d+)([smhdw]?)/gi)) total += Number(count) * SECONDS[unit!.toLowerCase()]!;
  return total <= 2 ** 31 - 1 ? total : undefined;
}

function load(path: string, homeDir: string, depth: number): SshConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR") return undefined;
    return { path, entries: [{ kind: "warning", line: 0, message: `cannot read: ${(error as Error).message}` }] };
  }
  const { entries } = parseSshConfig(text, path);
  return { path, entries: entries.flatMap((entry) => entry.kind === "include" ? include(entry, homeDir, depth) : [entry]) };
}

function include(entry: Extract<SshConfigEntry, { kind: "include" }>, homeDir: string, depth: number): SshConfigEntry[] {
  if (depth + 1 > MAX_INCLUDE_DEPTH)
    return [{ kind: "warning", line: entry.line, message: `Include nested more than ${MAX_INCLUDE_DEPTH} deep; ignored` }];
  const problems: SshConfigEntry[] = [];
  const files = entry.patterns.flatMap((pattern) => {
    if (pattern.startsWith("~") && expandTilde(pattern, homeDir) === undefined) {
      problems.push({ kind: "warning", line: entry.line, message: `Include "${pattern}": only ~ and ~/ are expanded` });
      return [];
    }
    const absolute = expandTilde(pattern, homeDir) ?? (isAbsolute(pattern) ? pattern : join(homeDir, ".ssh", pattern));
    return glob(absolute).flatMap((path) => load(path, homeDir, depth + 1) ?? []);
  });
  return [...problems, { ...entry, files }];
}

/** glob(3) for absolute paths: `*`, `?` and `[…]` per segment, no dotfiles unless asked, lexical order. */
function glob(pattern: string): string[] {
  let paths = ["/"];
  for (const segment of pattern.split("/").filter(Boolean)) {
    if (!/[*?[]/.test(segment)) { paths = paths.map((dir) => join(dir, segment)); continue; }
    const regex = globSegment(segment);
    paths = paths.flatMap((dir) => {
      try {
        return readdirSync(dir).filter((name) => regex.test(name) && (!name.startsWith(".") || segment.startsWith(".")))
          .map((name) => join(dir, name));
      } catch {
        return [];
      }
    });
  }
  return paths.sort();
}

function globSegment(segment: string): RegExp {
  let source = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    const negated = c === "[" && segment[i + 1] === "!";
    const close = c === "[" ? segment.indexOf("]", i + (negated ? 3 : 2)) : -1;
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (close > 0) {
      const body = segment.slice(i + (negated ? 2 : 1), close).replace(/[\\\]^[]/g, "\\$&");
      source += `[${negated ? "^" : ""}${body}]`;
      i = close;
    } else source += c.replace(/[.+^${}()|[\]\\*?]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}

function currentUser(): string {
  return localUsername();
}
