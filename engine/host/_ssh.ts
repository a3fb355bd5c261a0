// SSHHost: runs commands over SSH. The only file that uses ssh2 (loaded through _ssh2.ts); its errors become ours here.
import { posix } from "node:path";
import type { Readable, Writable } from "node:stream";
import type { Duplex } from "node:stream";
import { importPart } from "../_parts.ts";
import type { AuthHandlerMiddleware, Client, ClientChannel, ConnectConfig, SFTPWrapper } from "ssh2";
import { ConnectionFailedException } from "../exceptions.ts";
import { FileError, type Backend, type ExecOutcome, type ExecProcess, type ExecRequest, type FileStat, type FileSystem } from "./_backend.ts";
import { sweepCommand } from "./_command.ts";
import { Host } from "./_host.ts";
import { addHostKey, checkHostKey, knownHostsName } from "./_known_hosts.ts";
import { expandLocalPath, planConnection, type ConnectionPlan, type Endpoint, type SshHostFields } from "./_ssh_plan.ts";
import { nodeCrypto } from "../_builtins.ts";

/** A machine reached over SSH. Set `address` and `username`, and a key, a password or an agent. */
export class SSHHost extends Host {
  address = "";
  /** Default: from ~/.ssh/config, else 22. */
  port: number | undefined = undefined;
  /** Path of a private key file (`~` is expanded). */
  keyFilename: string | undefined = undefined;
  /** A private key's text, in memory. */
  rsaKey: string | undefined = undefined;
  /** Passphrase of `keyFilename` or `rsaKey`. Never logged. */
  rsaKeyPassword: string | undefined = undefined;
  /** OpenSSH client config read for HostName, Port, User, IdentityFile, ProxyJump, timeouts; "" to read none. */
  configFilename = "~/.ssh/config";
  /** Offer ~/.ssh/id_ed25519, id_ecdsa and id_rsa when no key is configured (as ssh does). */
  lookForKeys = true;
  /** The known_hosts file host keys are checked against. Default: UserKnownHostsFile, else ~/.ssh/known_hosts. */
  knownHostsFilename: string | undefined = undefined;
  /** Add unknown host keys to known_hosts instead of refusing them. A changed key is always refused. */
  acceptNewHostKeys = false;
  /** Seconds to wait for the connection. Default: ConnectTimeout, else 10. */
  timeout: number | undefined = undefined;
  /** Seconds between keepalive messages (0: none). Default: ServerAliveInterval, else 30. */
  keepaliveInterval: number | undefined = undefined;

  override get name(): string {
    return this.slug || this.address || this.constructor.name;
  }

  protected createBackend(): Backend {
    return new SSHBackend(this, (backend) => this.forgetConnection(backend));
  }

  protected override showsConnecting(): boolean {
    return true;
  }
}

/** OpenSSH's fingerprint of a public key: `SHA256:` and the unpadded base64 digest. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${nodeCrypto().createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

function keyType(key: Buffer): string {
  return key.subarray(4, 4 + key.readUInt32BE(0)).toString().replace(/^ssh-/, "").toUpperCase();
}

export { expandLocalPath };

type Ssh2Part = typeof import("./_ssh2.ts");
let loading: Promise<Ssh2Part> | undefined;
/** The ssh2 part once loaded: the first connection waits for it, so every open connection has it. */
let loaded: Ssh2Part | undefined;

/** ssh2 and the SFTP streams are loaded on the first connection (a part of their own, see engine/_parts.ts). */
function loadSsh2(): Promise<Ssh2Part> {
  return (loading ??= (importPart("engine/host/_ssh2.ts") as Promise<Ssh2Part>).then((part) => (loaded = part)));
}

class SSHBackend implements Backend {
  /** Set by connect(), which runs before a backend is handed out. */
  private client: Client | undefined;
  /** Connections to jump hosts, closed with this one. */
  private readonly jumps: Client[] = [];
  private closed = false;
  private sftp: Promise<SftpFileSystem> | undefined;
  private sftpFs: SftpFileSystem | undefined;

  constructor(private readonly host: SSHHost, private readonly onDrop: (backend: Backend) => void) {}

  async connect(): Promise<void> {
    const host = this.host;
    if (!host.address) throw new ConnectionFailedException(host.name, "no address set");
    let plan: ConnectionPlan;
    try {
      plan = planConnection({ ...fieldsOf(host), name: host.name }, {
        acceptNewHostKeys: host.session.acceptNewHostKeys,
        agentSocket: process.env.SSH_AUTH_SOCK,
      });
    } catch (error) {
      throw new ConnectionFailedException(host.name, (error as Error).message, { cause: error });
    }
    const { api: { Client, utils } } = await loadSsh2();
    const target = (this.client = new Client());
    let sock: Duplex | undefined;
    const route = [...plan.hops, plan.target];
    for (const [i, endpoint] of route.entries()) {
      const client = i === route.length - 1 ? target : new Client();
      if (client !== target) this.jumps.push(client);
      try {
        await this.handshake(client, endpoint, sock, utils.parseKey);
        const next = route[i + 1];
        if (next) sock = await forward(client, next);
      } catch (error) {
        this.closeJumps();
        const via = endpoint === plan.target ? "" : `via ${endpoint.label} (${endpoint.host}:${endpoint.port}): `;
        const reason = error instanceof HandshakeError ? error.message : (error as Error).message;
        throw new ConnectionFailedException(host.name, via + reason, { cause: error });
      }
    }
    target.on("close", () => {
      this.closed = true;
      this.closeJumps();
      // ssh2 leaves SFTP streams and requests waiting forever on a dead connection: end them.
      this.sftpFs?.abort(this.lost("during a file transfer"));
      this.onDrop(this);
    });
  }

  /** Open an SSH session to `endpoint` (over `sock` when jumping); rejects with a HandshakeError. */
  private handshake(client: Client, endpoint: Endpoint, sock: Duplex | undefined, parseKey: ParseKey): Promise<void> {
    let hostKeyProblem: string | undefined;
    const tried: string[] = [];
    const config: ConnectConfig = {
      host: endpoint.host,
      port: endpoint.port,
      sock: sock as never,
      username: endpoint.username,
      // Our own timer instead (below): the time a user takes to answer about a new host key is not the server's.
      readyTimeout: 0,
      keepaliveInterval: endpoint.keepaliveInterval * 1000,
      keepaliveCountMax: endpoint.keepaliveCountMax,
      authHandler: authMethods(endpoint, tried, parseKey),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        timer.pause();
        this.verifyHostKey(endpoint, key).then(
          (problem) => { hostKeyProblem = problem; timer.start(); verify(problem === undefined); },
          (error: unknown) => { hostKeyProblem = `cannot check the host key: ${(error as Error).message}`; verify(false); },
        );
      },
    };
    const timer = {
      handle: undefined as ReturnType<typeof setTimeout> | undefined,
      start() {
        this.handle = setTimeout(() => {
          onError(Object.assign(new Error("Timed out while waiting for handshake"), { level: "client-timeout" }));
          client.destroy();
        }, endpoint.timeout * 1000);
      },
      pause() { clearTimeout(this.handle); },
    };
    let onError: (error: Error & { level?: string; code?: string }) => void = () => {};
    return new Promise((resolve, reject) => {
      let settled = false;
      // ssh2 may emit several errors (a timeout, then the lost socket): the first one decides, and
      // after the handshake errors arrive as a closed connection that a running command reports.
      onError = (error) => {
        timer.pause();
        if (settled) return;
        settled = true;
        reject(new HandshakeError(describeHandshakeError(endpoint, error, hostKeyProblem, tried)));
      };
      client.on("error", onError);
      client.once("ready", () => {
        timer.pause();
        settled = true;
        resolve();
      });
      try {
        timer.start();
        client.connect(config);
        const socket = (client as unknown as { _sock?: Writable })._sock;
        if (socket) coalesceWrites(socket);
      } catch (error) {
        onError(error as Error);
      }
    });
  }

  /**
   * Known keys pass; a changed key is always refused; an unknown key is accepted when the host,
   * the config or the run says so, asked about on a terminal, and refused otherwise.
   * Resolves to the reason for refusing, or undefined to accept.
   */
  private async verifyHostKey(endpoint: Endpoint, key: Buffer): Promise<string | undefined> {
    const file = expandLocalPath(endpoint.knownHostsFile);
    const name = knownHostsName(endpoint.host, endpoint.port);
    const verdict = checkHostKey(file, name, key);
    if (verdict.kind === "known") return undefined;
    if (verdict.kind === "changed") return `host key has CHANGED (it does not match ${verdict.file}:${verdict.line}); refusing to connect`;
    let accept = endpoint.acceptNewHostKeys;
    const console = this.host.console;
    if (!accept && endpoint.askAboutNewHostKeys && console.isInteractive) {
      accept = await console.confirm(
        `The authenticity of host ${name} (${endpoint.label}) can't be established.\n${keyType(key)} key fingerprint is ${fingerprint(key)}.\nTrust it and add it to ${endpoint.knownHostsFile}?`,
        { default: false },
      ).catch(() => false);
    }
    if (!accept) return `host key is unknown (not in ${endpoint.knownHostsFile}); set acceptNewHostKeys or run with --accept-new-host-keys to trust it`;
    addHostKey(file, name, key);
    return undefined;
  }

  private closeJumps(): void {
    for (const jump of this.jumps.splice(0)) jump.end();
  }

  private lost(what: string): ConnectionFailedException {
    return new ConnectionFailedException(this.host.name, `connection lost ${what}`);
  }

  exec(request: ExecRequest): ExecProcess {
    let channel: ClientChannel | undefined;
    const pending: Array<(c: ClientChannel) => void> = [];
    const withChannel = (fn: (c: ClientChannel) => void) => (channel ? fn(channel) : pending.push(fn));
    // sshd starts every command as the leader of a new session, so its pid names the process
    // group of everything it starts; the command reports it first, and signals go to the group.
    const leader = new LeaderPid(request);
    const done = new Promise<ExecOutcome>((resolve, reject) => {
      if (this.closed) return reject(this.lost(`before running "${request.command}"`));
      const options = request.pty ? { pty: { term: request.pty.term, rows: request.pty.rows, cols: request.pty.cols } } : {};
      this.client!.exec(`${REPORT_PID}${request.command}`, options, (error, stream) => {
        if (error) {
          return reject(this.closed ? this.lost("while opening a channel") : new ConnectionFailedException(this.host.name, `cannot open a channel: ${error.message}`, { cause: error }));
        }
        channel = stream;
        for (const fn of pending.splice(0)) fn(stream);
        let exit: ExecOutcome | undefined;
        stream.on("data", (chunk: Buffer) => leader.stdout(chunk));
        stream.stderr.on("data", (chunk: Buffer) => leader.stderr(chunk));
        stream.on("exit", (code: number | null, sig?: string) => {
          exit = { exitCode: code ?? null, signal: sig ? (sig.startsWith("SIG") ? sig : `SIG${sig}`) : null };
        });
        stream.on("close", () => {
          leader.flush();
          if (exit) resolve(exit);
          else reject(this.lost(`while running a command (it may still be running on ${this.host.name})`));
        });
      });
    });
    let signalled = false;
    return {
      write: (data) => withChannel((c) => c.write(data)),
      end: () => withChannel((c) => c.end()),
      resize: (cols, rows) => withChannel((c) => c.setWindow(rows, cols, 0, 0)),
      signal: (name) => {
        signalled = true;
        const short = name.replace(/^SIG/, "");
        withChannel((c) => c.signal(short));
        if (leader.pid !== undefined && !this.closed) this.signalGroup(leader.pid, short);
      },
      abandon: () => withChannel((c) => c.close()),
      // A stopped command is over once what it started with & and away from its output (deaf to
      // SIGINT, and not keeping the channel open) is stopped too.
      done: done.then(async (outcome) => {
        if (signalled && leader.pid !== undefined && !this.closed) await this.sweepGroup(leader.pid);
        return outcome;
      }),
    };
  }

  /** SIGTERM to what is left of process group `pgid`, SIGKILL a second later if any was; resolves when done (at most 5 s). */
  private sweepGroup(pgid: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      this.client!.exec(sweepCommand(pgid), (error, stream) => {
        if (error) return resolve();
        stream.on("data", () => undefined).stderr.on("data", () => undefined);
        stream.on("error", () => undefined);
        stream.on("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    });
  }

  /** `kill -NAME -- -PGID` on a channel of its own (an SSH signal request reaches only the leader). */
  private signalGroup(pgid: number, name: string): void {
    this.client!.exec(`kill -${name} -- -${pgid} 2>/dev/null`, (error, stream) => {
      if (error) return;
      stream.on("data", () => undefined).stderr.on("data", () => undefined);
      stream.on("error", () => undefined);
    });
  }

  files(): Promise<FileSystem> {
    const sftp = (this.sftp ??= new Promise<SftpFileSystem>((resolve, reject) => {
      if (this.closed) return reject(this.lost("before opening SFTP"));
      this.client!.sftp((error, wrapper) => {
        if (error) return reject(new ConnectionFailedException(this.host.name, `cannot start SFTP: ${error.message}`, { cause: error }));
        resolve((this.sftpFs = new SftpFileSystem(wrapper, this.host.name)));
      });
    }));
    sftp.catch(() => { if (this.sftp === sftp) this.sftp = undefined; });
    return sftp;
  }

  async close(): Promise<void> {
    this.client?.end();
  }
}

/**
 * Send what is written to `socket` in one tick as one piece: ssh2 writes each packet as three
 * (its length, its body, its MAC), and each write was a system call and a TCP segment of its own,
 * which the server then woke up for. Corked until the tick ends, they go out together.
 */
function coalesceWrites(socket: Writable): void {
  if (typeof socket.cork !== "function") return;
  const write = socket.write;
  let corked = false;
  socket.write = function (this: Writable, ...args: Parameters<Writable["write"]>): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Writable["write"];
}

/** A handshake failure, already described for the user. */
class HandshakeError extends Error {}

/** The host fields the connection plan reads. */
function fieldsOf(host: SSHHost): SshHostFields {
  return {
    name: host.name, address: host.address, port: host.port, username: host.username, password: host.password,
    keyFilename: host.keyFilename, rsaKey: host.rsaKey, rsaKeyPassword: host.rsaKeyPassword,
    configFilename: host.configFilename || undefined, knownHostsFilename: host.knownHostsFilename,
    acceptNewHostKeys: host.acceptNewHostKeys, timeout: host.timeout, keepaliveInterval: host.keepaliveInterval,
    lookForKeys: host.lookForKeys,
  };
}

type ParseKey = typeof import("ssh2")["utils"]["parseKey"];

/** ssh2 auth methods for an endpoint's credentials, recording what was offered for error messages. */
function authMethods(endpoint: Endpoint, tried: string[], parseKey: ParseKey): AuthHandlerMiddleware {
  const pending = [...endpoint.credentials];
  return (_methodsLeft, _partial, next) => {
    for (let credential = pending.shift(); credential; credential = pending.shift()) {
      switch (credential.type) {
        case "agent":
          tried.push("agent");
          return next({ type: "agent", username: endpoint.username, agent: credential.socket });
        case "password":
          tried.push("password");
          return next({ type: "password", username: endpoint.username, password: credential.password });
        case "publickey": {
          const parsed = parseKey(credential.key, credential.passphrase);
          if (parsed instanceof Error) {
            tried.push(`publickey ${credential.source} (unusable: ${credential.passphrase ? parsed.message : "encrypted, and no passphrase was given"})`);
            continue;
          }
          tried.push(`publickey ${credential.source}`);
          return next({ type: "publickey", username: endpoint.username, key: Array.isArray(parsed) ? parsed[0]! : parsed });
        }
      }
    }
    return next(false as never);
  };
}

/** Open a tunnelled connection from `client` to the next endpoint. */
function forward(client: Client, next: Endpoint): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut("127.0.0.1", 0, next.host, next.port, (error, stream) => {
      if (error) reject(new HandshakeError(`cannot open a tunnel to ${next.host}:${next.port}: ${error.message}`));
      else resolve(stream as unknown as Duplex);
    });
  });
}

/** One line saying why a handshake failed. */
export function describeHandshakeError(endpoint: Endpoint, error: Error & { level?: string; code?: string }, hostKeyProblem: string | undefined, tried: string[]): string {
  const where = `${endpoint.host}:${endpoint.port}`;
  if (hostKeyProblem) return hostKeyProblem;
  if (error.level === "client-authentication") {
    return `authentication failed for user "${endpoint.username}" (${tried.length ? `tried ${tried.join(", ")}` : "no key, password or agent configured"})`;
  }
  if (error.level === "client-timeout") return `timed out after ${endpoint.timeout}s connecting to ${where}`;
  if (error.code === "ECONNREFUSED") return `connection refused by ${where}`;
  if (error.code === "ENOTFOUND" || error.code === "EAI_AGAIN") return `host name "${endpoint.host}" not found`;
  if (error.code === "EHOSTUNREACH" || error.code === "ENETUNREACH") return `${where} is unreachable`;
  if (error.code === "ECONNRESET") return `connection reset by ${where}`;
  if (/no matching (C->S|S->C) cipher/.test(error.message)) {
    return `no cipher in common with ${where} (deployer offers ${(loaded?.defaultCiphers ?? []).join(", ")})`;
  }
  return `${error.message} (${where})`;
}

/** SFTP status codes (draft-ietf-secsh-filexfer) as POSIX-like codes. */
const SFTP_CODES: Record<number, [string, string]> = {
  2: ["ENOENT", "no such file"],
  3: ["EACCES", "permission denied"],
  4: ["EIO", "failed"],
};

/** Files over the SSH connection's SFTP channel. */
class SftpFileSystem implements FileSystem {
  private homeDir: Promise<string> | undefined;
  /** Streams and requests in progress, failed all at once if the connection is lost. */
  private readonly streams = new Set<Readable | Writable>();
  private readonly pending = new Set<(error: Error) => void>();
  private lostWith: Error | undefined;
  /** Resolves when the connection is lost: replies still awaited then never come. */
  private readonly lost: Promise<void>;
  private onLost!: () => void;

  constructor(private readonly sftp: SFTPWrapper, private readonly hostName: string) {
    this.lost = new Promise((resolve) => (this.onLost = resolve));
  }

  /** The connection is gone: every stream and request in progress fails with `error`. */
  abort(error: Error): void {
    this.lostWith = error;
    this.onLost();
    for (const fail of [...this.pending]) fail(error);
    for (const stream of [...this.streams]) stream.destroy(error);
  }

  private track<S extends Readable | Writable>(stream: S): S {
    if (this.lostWith) queueMicrotask(() => stream.destroy(this.lostWith));
    this.streams.add(stream);
    stream.once("close", () => this.streams.delete(stream));
    return stream;
  }

  private error(action: string, path: string, error: unknown): FileError {
    const code = (error as { code?: number | string }).code;
    const [posixCode, text] = typeof code === "number" && SFTP_CODES[code] ? SFTP_CODES[code]! : ["EIO", (error as Error).message];
    return new FileError(posixCode, path, `cannot ${action} ${path} on ${this.hostName}: ${text}`, { cause: error });
  }

  private call<T>(action: string, path: string, fn: (cb: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.lostWith) return reject(this.lostWith);
      const fail = (error: Error) => { this.pending.delete(fail); reject(error); };
      this.pending.add(fail);
      fn((error, value) => {
        this.pending.delete(fail);
        if (error) reject(this.error(action, path, error));
        else resolve(value as T);
      });
    });
  }

  home(): Promise<string> {
    return (this.homeDir ??= this.call<string>("resolve", ".", (cb) => this.sftp.realpath(".", cb)));
  }

  private async absolute(path: string): Promise<string> {
    return path.startsWith("/") ? path : posix.join(await this.home(), path);
  }

  async stat(path: string): Promise<FileStat> {
    const abs = await this.absolute(path);
    return toFileStat(posix.basename(abs), await this.call("stat", abs, (cb) => this.sftp.stat(abs, cb)));
  }

  async lstat(path: string): Promise<FileStat> {
    const abs = await this.absolute(path);
    return toFileStat(posix.basename(abs), await this.call("stat", abs, (cb) => this.sftp.lstat(abs, cb)));
  }

  async readdir(path: string): Promise<FileStat[]> {
    const abs = await this.absolute(path);
    const entries = await this.call<Array<{ filename: string; attrs: SftpAttrs }>>("list", abs, (cb) => this.sftp.readdir(abs, cb as never));
    return entries
      .filter((e) => e.filename !== "." && e.filename !== "..")
      .map((e) => toFileStat(e.filename, e.attrs))
      .sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  }

  createReadStream(path: string): Readable {
    const stream = new loaded!.SftpReadStream(this.sftp, path.startsWith("/") ? path : `./${path}`);
    return this.track(this.translateErrors(stream, "read", path));
  }

  createWriteStream(path: string, options: { mode?: number } = {}): Writable {
    const stream = new loaded!.SftpWriteStream(this.sftp, path.startsWith("/") ? path : `./${path}`, options.mode ?? 0o644, this.lost);
    return this.track(this.translateErrors(stream, "write", path));
  }

  private translateErrors<S extends Readable | Writable>(stream: S, action: string, path: string): S {
    const emit = stream.emit.bind(stream);
    (stream as { emit: typeof stream.emit }).emit = ((event: string, ...args: unknown[]) =>
      event === "error" && !(args[0] instanceof FileError) && !(args[0] instanceof ConnectionFailedException) ? emit("error", this.error(action, path, args[0])) : emit(event, ...args)) as typeof stream.emit;
    return stream;
  }

  async rename(from: string, to: string): Promise<void> {
    const [src, dst] = [await this.absolute(from), await this.absolute(to)];
    // Plain SFTP rename refuses an existing target; OpenSSH's extension replaces it atomically.
    await this.call<void>("rename", src, (cb) => this.sftp.ext_openssh_rename(src, dst, cb));
  }

  async unlink(path: string): Promise<void> {
    const abs = await this.absolute(path);
    await this.call<void>("remove", abs, (cb) => this.sftp.unlink(abs, cb));
  }

  async freeSpace(path: string): Promise<number | undefined> {
    const abs = await this.absolute(path);
    // OpenSSH's statvfs extension; other servers may not have it.
    const info = await this.call<{ f_frsize: number; f_bavail: number }>("check the free space of", abs, (cb) => this.sftp.ext_openssh_statvfs(abs, cb as never)).catch(() => undefined);
    return info ? Number(info.f_frsize) * Number(info.f_bavail) : undefined;
  }

  async chmod(path: string, mode: number): Promise<void> {
    const abs = await this.absolute(path);
    await this.call<void>("chmod", abs, (cb) => this.sftp.chmod(abs, mode, cb));
  }

  async mkdir(path: string, options: { mode?: number } = {}): Promise<void> {
    const abs = await this.absolute(path);
    await this.call<void>("create directory", abs, (cb) => this.sftp.mkdir(abs, { mode: options.mode ?? 0o755 }, cb));
  }
}

interface SftpAttrs {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
}

const S_IFMT = 0o170000;

function toFileStat(filename: string, attrs: SftpAttrs): FileStat {
  const type = attrs.mode & S_IFMT;
  return {
    filename,
    size: attrs.size,
    uid: attrs.uid,
    gid: attrs.gid,
    mode: attrs.mode,
    isDir: type === 0o040000,
    isFile: type === 0o100000,
    isSymlink: type === 0o120000,
    mtime: attrs.mtime,
  };
}

/** What every command prints first, on its error output: the pid of its session's leader. */
const PID_MARK = "\x1edeployer-pid:";
const REPORT_PID = `printf '\\036deployer-pid:%s\\036' "$$" >&2; `;

/**
 * Takes the leader's pid report off the start of a command's error output (its only output on a
 * PTY) and passes the rest on. Output that does not start with it (from a shell that could not
 * parse the command) passes through unchanged.
 */
class LeaderPid {
  pid: number | undefined;
  private held = Buffer.alloc(0);
  private searching = true;
  private readonly marked: "stdout" | "stderr";

  constructor(private readonly request: ExecRequest) {
    this.marked = request.pty ? "stdout" : "stderr";
  }

  stdout(chunk: Buffer): void { this.take("stdout", chunk); }
  stderr(chunk: Buffer): void { this.take("stderr", chunk); }

  private take(stream: "stdout" | "stderr", chunk: Buffer): void {
    if (stream !== this.marked || !this.searching) return this.pass(stream, chunk);
    const held = Buffer.concat([this.held, chunk]);
    const text = held.toString("latin1");
    const end = text.indexOf("\x1e", PID_MARK.length);
    if (text.startsWith(PID_MARK) && end > 0) {
      const pid = Number(text.slice(PID_MARK.length, end));
      if (Number.isInteger(pid) && pid > 1) this.pid = pid;
      this.held = Buffer.alloc(0);
      this.searching = false;
      return this.pass(stream, held.subarray(end + 1));
    }
    const maybe = text.startsWith(PID_MARK) ? held.length < PID_MARK.length + 24 : PID_MARK.startsWith(text);
    if (maybe) return void (this.held = held);
    this.searching = false;
    this.held = Buffer.alloc(0);
    this.pass(stream, held);
  }

  /** Pass on anything held back by a stream that ended early. */
  flush(): void {
    const held = this.held;
    this.held = Buffer.alloc(0);
    this.searching = false;
    this.pass(this.marked, held);
  }

  private pass(stream: "stdout" | "stderr", chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (stream === "stdout") this.request.onStdout(chunk);
    else this.request.onStderr(chunk);
  }
}
