// How to reach an SSHHost: its fields first (like ssh's command line), then ~/.ssh/config, then
// OpenSSH's defaults; one endpoint per ProxyJump hop, then the target. Reads files, opens nothing.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { localUsername } from "../_user.ts";
import { join } from "node:path";
import { loadSshConfig, resolveSshConfig, type SshConfigFile, type SshConfigSettings } from "./_ssh_config.ts";

/** A credential to offer, in order. */
export type Credential =
  | { type: "agent"; socket: string }
  | { type: "publickey"; key: Buffer; passphrase?: string; source: string }
  | { type: "password"; password: string };

/** One SSH server to open a session with. */
export interface Endpoint {
  /** How errors name it: the host's slug for the target, the hop's name for a jump host. */
  label: string;
  host: string;
  port: number;
  username: string;
  credentials: Credential[];
  /** Seconds to wait for the connection. */
  timeout: number;
  keepaliveInterval: number;
  keepaliveCountMax: number;
  knownHostsFile: string;
  /** Add an unknown key without asking (a changed key is refused regardless). */
  acceptNewHostKeys: boolean;
  /** Ask about an unknown key on a terminal (false with StrictHostKeyChecking yes). */
  askAboutNewHostKeys: boolean;
}

export interface ConnectionPlan {
  hops: Endpoint[];
  target: Endpoint;
  warnings: string[];
}

/** What the plan needs from an SSHHost (its fields; undefined means "not set here"). */
export interface SshHostFields {
  name: string;
  address: string;
  port: number | undefined;
  username: string;
  password: string;
  keyFilename: string | undefined;
  rsaKey: string | undefined;
  rsaKeyPassword: string | undefined;
  configFilename: string | undefined;
  knownHostsFilename: string | undefined;
  acceptNewHostKeys: boolean;
  timeout: number | undefined;
  keepaliveInterval: number | undefined;
  /** Offer the default ~/.ssh/id_* keys when no key is configured. */
  lookForKeys: boolean;
}

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

/** Expand a leading `~` to the local home directory. */
export function expandLocalPath(path: string): string {
  return path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
}

/** Work out every endpoint to connect through, and what to offer each. */
export function planConnection(host: SshHostFields, options: { acceptNewHostKeys?: boolean; agentSocket?: string } = {}): ConnectionPlan {
  const config = host.configFilename ? loadSshConfig(expandLocalPath(host.configFilename)) : undefined;
  const settings = resolve(config, host.address, { user: host.username || undefined, port: host.port });
  const warnings = [...settings.warnings];
  // What every endpoint takes from the host: its keys (a jump host tries its own from the
  // config first), timeouts, known_hosts and trust.
  const shared = {
    keys: ownKeys(host),
    timeout: host.timeout,
    keepaliveInterval: host.keepaliveInterval,
    knownHostsFilename: host.knownHostsFilename,
    acceptNewHostKeys: host.acceptNewHostKeys || options.acceptNewHostKeys === true,
    agentSocket: options.agentSocket,
    lookForKeys: host.lookForKeys,
  };
  const target = endpoint(host.name, host.address, settings, { ...shared, port: host.port, username: host.username, password: host.password });
  const hops = (settings.proxyJump ?? []).map((hop) => {
    const hopSettings = resolve(config, hop.host, { user: hop.user, port: hop.port });
    warnings.push(...hopSettings.warnings);
    return endpoint(`jump host ${hop.host}`, hop.host, hopSettings, { ...shared, port: hop.port, username: hop.user ?? "", password: "" });
  });
  return { hops, target, warnings };
}

function resolve(config: SshConfigFile | undefined, destination: string, options: { user?: string; port?: number }): SshConfigSettings {
  return config ? resolveSshConfig(config, destination, options) : { identityFiles: [], warnings: [] };
}

/** The host's own key: in memory, or a file (its absence is an error: it was asked for by name). */
function ownKeys(host: SshHostFields): Credential[] {
  if (host.rsaKey) return [{ type: "publickey", key: Buffer.from(host.rsaKey), passphrase: host.rsaKeyPassword, source: "rsaKey" }];
  if (host.keyFilename) {
    const path = expandLocalPath(host.keyFilename);
    let key: Buffer;
    try {
      key = readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read key file ${host.keyFilename}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
    }
    return [{ type: "publickey", key, passphrase: host.rsaKeyPassword, source: host.keyFilename }];
  }
  return [];
}

interface EndpointFields {
  port: number | undefined;
  username: string;
  password: string;
  keys: Credential[];
  timeout: number | undefined;
  keepaliveInterval: number | undefined;
  knownHostsFilename: string | undefined;
  acceptNewHostKeys: boolean;
  agentSocket: string | undefined;
  lookForKeys: boolean;
}

function endpoint(label: string, destination: string, settings: SshConfigSettings, fields: EndpointFields): Endpoint {
  const credentials: Credential[] = [];
  if (fields.agentSocket && !settings.identitiesOnly && settings.pubkeyAuthentication !== false) {
    credentials.push({ type: "agent", socket: fields.agentSocket });
  }
  if (settings.pubkeyAuthentication !== false) {
    credentials.push(...fields.keys);
    const configured = settings.identityFiles.map(expandLocalPath);
    const lookForDefaults = fields.lookForKeys && !configured.length && !fields.keys.length;
    const files = lookForDefaults ? DEFAULT_KEYS.map((name) => join(homedir(), ".ssh", name)) : configured;
    for (const file of files) {
      if (existsSync(file)) credentials.push({ type: "publickey", key: readFileSync(file), source: file });
    }
  }
  if (fields.password && settings.passwordAuthentication !== false) credentials.push({ type: "password", password: fields.password });
  const strict = settings.strictHostKeyChecking;
  return {
    label,
    host: settings.hostName ?? destination,
    port: fields.port ?? settings.port ?? 22,
    username: fields.username || settings.user || localUsername(),
    credentials,
    timeout: fields.timeout ?? settings.connectTimeout ?? 10,
    keepaliveInterval: fields.keepaliveInterval ?? settings.serverAliveInterval ?? 30,
    keepaliveCountMax: settings.serverAliveCountMax ?? 3,
    knownHostsFile: fields.knownHostsFilename ?? settings.userKnownHostsFiles?.[0] ?? "~/.ssh/known_hosts",
    acceptNewHostKeys: fields.acceptNewHostKeys || strict === "accept-new" || strict === "no",
    askAboutNewHostKeys: strict !== "yes",
  };
}
