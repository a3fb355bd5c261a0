// SSHHost: runs commands over SSH. The only file that imports ssh2; its errors become ours here.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { Client, type ConnectConfig } from "ssh2";
import { ConnectionFailedException } from "../exceptions.ts";
import type { Backend, ExecProcess, ExecRequest } from "./_backend.ts";
import { Host } from "./_host.ts";
import { addHostKey, checkHostKey, knownHostsName } from "./_known_hosts.ts";

/** A machine reached over SSH. Set `address` and `username`, and a key, a password or an agent. */
export class SSHHost extends Host {
  address = "";
  port = 22;
  /** Path of a private key file (`~` is expanded). */
  keyFilename: string | undefined = undefined;
  /** A private key's text, in memory. */
  rsaKey: string | undefined = undefined;
  /** Passphrase of `keyFilename` or `rsaKey`. Never logged. */
  rsaKeyPassword: string | undefined = undefined;
  /** The known_hosts file host keys are checked against. */
  knownHostsFilename = "~/.ssh/known_hosts";
  /** Add unknown host keys to known_hosts instead of refusing them. A changed key is always refused. */
  acceptNewHostKeys = false;
  /** Seconds to wait for the connection. */
  timeout = 10;
  /** Seconds between keepalive messages; 0 turns them off. */
  keepaliveInterval = 30;

  override get name(): string {
    return this.slug || this.address || this.constructor.name;
  }

  protected createBackend(): Backend {
    return new SSHBackend(this);
  }
}

/** Expand a leading `~` to the local home directory. */
export function expandLocalPath(path: string): string {
  return path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
}

class SSHBackend implements Backend {
  private readonly client = new Client();
  private hostKeyProblem: string | undefined;

  constructor(private readonly host: SSHHost) {}

  connect(): Promise<void> {
    const host = this.host;
    if (!host.address) return Promise.reject(new ConnectionFailedException(host.name, "no address set"));
    const config: ConnectConfig = {
      host: host.address,
      port: host.port,
      username: host.username,
      readyTimeout: host.timeout * 1000,
      keepaliveInterval: host.keepaliveInterval * 1000,
      hostVerifier: (key: Buffer) => this.verifyHostKey(key),
    };
    if (host.password) config.password = host.password;
    if (host.rsaKey) config.privateKey = host.rsaKey;
    else if (host.keyFilename) {
      try {
        config.privateKey = readFileSync(expandLocalPath(host.keyFilename));
      } catch (error) {
        return Promise.reject(new ConnectionFailedException(host.name, `cannot read key file ${host.keyFilename}: ${(error as Error).message}`));
      }
    }
    if (host.rsaKeyPassword) config.passphrase = host.rsaKeyPassword;
    if (process.env.SSH_AUTH_SOCK) config.agent = process.env.SSH_AUTH_SOCK;
    return new Promise((resolve, reject) => {
      this.client.once("ready", () => resolve());
      this.client.once("error", (error) => reject(this.describe(error)));
      try {
        this.client.connect(config);
      } catch (error) {
        reject(this.describe(error as Error));
      }
    });
  }

  private verifyHostKey(key: Buffer): boolean {
    const host = this.host;
    const file = expandLocalPath(host.knownHostsFilename);
    const name = knownHostsName(host.address, host.port);
    const verdict = checkHostKey(file, name, key);
    if (verdict.kind === "known") return true;
    if (verdict.kind === "changed") {
      this.hostKeyProblem = `host key has CHANGED (it does not match ${verdict.file}:${verdict.line}); refusing to connect`;
      return false;
    }
    if (host.acceptNewHostKeys) {
      addHostKey(file, name, key);
      return true;
    }
    this.hostKeyProblem = `host key is unknown (not in ${host.knownHostsFilename}); set acceptNewHostKeys or run with --accept-new-host-keys to trust it`;
    return false;
  }

  private describe(error: Error & { level?: string; code?: string }): ConnectionFailedException {
    const host = this.host;
    const where = `${host.address}:${host.port}`;
    let reason: string;
    if (this.hostKeyProblem) reason = this.hostKeyProblem;
    else if (error.level === "client-authentication") reason = `authentication failed for user "${host.username}" (${this.triedMethods()})`;
    else if (error.level === "client-timeout") reason = `timed out after ${host.timeout}s connecting to ${where}`;
    else if (error.code === "ECONNREFUSED") reason = `connection refused by ${where}`;
    else if (error.code === "ENOTFOUND" || error.code === "EAI_AGAIN") reason = `host name "${host.address}" not found`;
    else reason = `${error.message} (${where})`;
    return new ConnectionFailedException(host.name, reason, { cause: error });
  }

  private triedMethods(): string {
    const host = this.host;
    const methods = [
      host.rsaKey || host.keyFilename ? "publickey" : undefined,
      host.password ? "password" : undefined,
      process.env.SSH_AUTH_SOCK ? "agent" : undefined,
    ].filter(Boolean);
    return methods.length ? `tried ${methods.join(", ")}` : "no key, password or agent configured";
  }

  exec(request: ExecRequest): ExecProcess {
    let channel: import("ssh2").ClientChannel | undefined;
    let ended = false;
    const pending: Array<string | Uint8Array> = [];
    const done = new Promise<{ exitCode: number | null; signal: string | null }>((resolve, reject) => {
      this.client.exec(request.command, (error, stream) => {
        if (error) return reject(new ConnectionFailedException(this.host.name, `cannot open a channel: ${error.message}`, { cause: error }));
        channel = stream;
        for (const data of pending.splice(0)) stream.write(data);
        if (ended) stream.end();
        let exitCode: number | null = null;
        let signal: string | null = null;
        stream.on("data", (chunk: Buffer) => request.onStdout(chunk));
        stream.stderr.on("data", (chunk: Buffer) => request.onStderr(chunk));
        stream.on("exit", (code: number | null, sig?: string) => {
          exitCode = code;
          signal = sig ?? null;
        });
        stream.on("close", () => resolve({ exitCode, signal }));
        request.signal?.addEventListener("abort", () => stream.signal("INT"), { once: true });
      });
    });
    return {
      write: (data) => (channel ? channel.write(data) : pending.push(data)),
      end: () => (channel ? channel.end() : (ended = true)),
      done,
    };
  }

  async close(): Promise<void> {
    this.client.end();
  }
}
