// The telnet server: option negotiation, NAWS, a terminal-like input/output pair per connection, the listener.
import { EventEmitter } from "node:events";
import type { Server, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { lazyClass, nodeNet, nodeStream } from "../engine/_builtins.ts";
import { CliError } from "./_errors.ts";
import { tcpPeerUid } from "./_peer.ts";
import { login, type PasswordFile } from "./_telnet_auth.ts";

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;
const BINARY = 0, ECHO = 1, SGA = 3, NAWS = 31, LINEMODE = 34;
/** Commands that stand for a key: interrupt, erase character, erase line, end of file. */
const KEYS: Record<number, number> = { 244: 0x03, 247: 0x7f, 248: 0x15, 236: 0x04 };
/** Options we perform (WILL) and options we let the client perform (DO); everything else is refused. */
const OURS = new Set([BINARY, ECHO, SGA]);
const THEIRS = new Set([BINARY, SGA, NAWS, LINEMODE]);
/** Longest subnegotiation kept; longer ones (e.g. LINEMODE SLC lists) are skipped, not buffered. */
const MAX_SB = 64;

/** RFC 1143 option state: a request we sent is answered, never answered back, so negotiation cannot loop. */
type OptionState = "no" | "yes" | "wantyes";

/** Keystrokes from the client, as a terminal's stdin would deliver them (the line editor reads this). */
const telnetInput = lazyClass(() => class TelnetInput extends nodeStream().PassThrough {
  readonly isTTY = true;
  isRaw = false;
  /** The client is always in character mode; this only records what the reader asked for. */
  setRawMode(raw: boolean): this {
    this.isRaw = raw;
    return this;
  }
});
export type TelnetInput = InstanceType<ReturnType<typeof telnetInput>>;

/** Output to the client, shaped like a tty.WriteStream: `columns`, `rows`, and a "resize" event. */
const telnetOutput = lazyClass(() => class TelnetOutput extends nodeStream().Writable {
  readonly isTTY = true;
  columns = 80;
  rows = 24;
  private last = 0;

  constructor(private readonly send: (bytes: Uint8Array) => void) {
    super({ decodeStrings: true });
  }

  /** [columns, rows], as tty.WriteStream has it. */
  getWindowSize(): [number, number] {
    return [this.columns, this.rows];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.send(encodeOutput(chunk, this.last));
    if (chunk.length) this.last = chunk[chunk.length - 1]!;
    done();
  }
});
export type TelnetOutput = InstanceType<ReturnType<typeof telnetOutput>>;

/** Telnet NVT output: 0xFF doubled, a "\n" not preceded by "\r" (even in the previous write) sent as "\r\n". */
export function encodeOutput(chunk: Uint8Array, previous = 0): Buffer {
  const out: number[] = [];
  let before = previous;
  for (const byte of chunk) {
    if (byte === 0x0a && before !== 0x0d) out.push(0x0d);
    out.push(byte);
    if (byte === IAC) out.push(IAC);
    before = byte;
  }
  return Buffer.from(out);
}

/**
 * One client: parses the telnet stream into `input` (clean keystrokes) and size changes, and
 * sends `output` as NVT. Emits "resize" (columns, rows) and "close" (once, however it ended).
 */
export class TelnetConnection extends EventEmitter {
  readonly input: TelnetInput = new (telnetInput())();
  readonly output: TelnetOutput;
  /** "address:port" of the client. */
  readonly remote: string;
  /** Who logged in, when the server asked. */
  username: string | undefined;
  /** What the session is doing, for `w`; the shell sets it. */
  activity = "(Idle)";
  private ended = false;
  private readonly us = new Map<number, OptionState>();
  private readonly them = new Map<number, OptionState>();
  private state: "data" | "iac" | "option" | "sb" | "sb-iac" = "data";
  private verb = 0;
  private sb: number[] = [];
  private sbLength = 0;
  private afterCr = false;

  /** `socket` is a net.Socket, or any duplex byte stream (tests use an in-memory one). */
  constructor(private readonly socket: Duplex & { remoteAddress?: string; remotePort?: number }) {
    super();
    this.remote = formatAddress(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
    this.output = new (telnetOutput())((bytes) => this.send(bytes));
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => undefined); // a reset peer is a close, reported by "close" below
    socket.on("close", () => {
      this.ended = true;
      this.input.end();
      this.emit("close");
    });
  }

  /** Ask for character mode with server-side echo, and for the window size. */
  start(): void {
    this.request(this.them, DO, LINEMODE);
    this.send([IAC, SB, LINEMODE, 1, 0, IAC, SE]); // MODE 0: no local editing, every key sent at once
    this.request(this.us, WILL, ECHO);
    this.request(this.us, WILL, SGA);
    this.request(this.them, DO, NAWS);
  }

  get columns(): number { return this.output.columns; }
  get rows(): number { return this.output.rows; }
  /** True once closed by either side; nothing more is sent. */
  get closed(): boolean { return this.ended; }

  /** Send nothing more and end the connection. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.input.end();
    this.socket.end();
  }

  /** Force the socket shut (server shutdown): unlike close(), does not wait for the client. */
  destroy(): void {
    this.close();
    this.socket.destroy();
  }

  private send(bytes: Uint8Array | number[]): void {
    if (!this.ended && this.socket.writable) this.socket.write(bytes instanceof Uint8Array ? bytes : Buffer.from(bytes));
  }

  private request(table: Map<number, OptionState>, verb: number, option: number): void {
    table.set(option, "wantyes");
    this.send([IAC, verb, option]);
  }

  private receive(chunk: Buffer): void {
    if (this.ended) return;
    const data: number[] = [];
    for (const byte of chunk) this.step(byte, data);
    if (!data.length || this.ended || !this.input.writable) return;
    if (!this.input.write(Buffer.from(data))) {
      this.socket.pause();
      this.input.once("drain", () => this.socket.resume());
    }
  }

  private step(byte: number, data: number[]): void {
    switch (this.state) {
      case "data":
        if (byte === IAC) this.state = "iac";
        else if (this.afterCr && (byte === 0 || byte === 0x0a)) this.afterCr = false;
        else {
          data.push(byte);
          this.afterCr = byte === 0x0d;
        }
        return;
      case "iac":
        this.state = "data";
        if (byte === IAC) {
          data.push(IAC);
          this.afterCr = false;
        } else if (byte >= WILL) {
          this.verb = byte;
          this.state = "option";
        } else if (byte === SB) {
          this.sb = [];
          this.sbLength = 0;
          this.state = "sb";
        } else if (KEYS[byte] !== undefined) data.push(KEYS[byte]);
        return;
      case "option":
        this.state = "data";
        this.negotiate(this.verb, byte);
        return;
      case "sb":
        if (byte === IAC) this.state = "sb-iac";
        else this.collect(byte);
        return;
      case "sb-iac":
        if (byte === IAC) {
          this.collect(IAC);
          this.state = "sb";
        } else if (byte === SE) {
          this.state = "data";
          if (this.sbLength <= MAX_SB) this.subnegotiation(this.sb);
        } else {
          // An unterminated subnegotiation: drop it and read this byte as the command it is.
          this.state = "iac";
          this.step(byte, data);
        }
    }
  }

  private collect(byte: number): void {
    if (++this.sbLength <= MAX_SB) this.sb.push(byte);
  }

  private subnegotiation(bytes: number[]): void {
    if (bytes[0] !== NAWS || bytes.length !== 5) return;
    const columns = (bytes[1]! << 8) | bytes[2]!;
    const rows = (bytes[3]! << 8) | bytes[4]!;
    if (!columns || !rows || (columns === this.output.columns && rows === this.output.rows)) return;
    this.output.columns = columns;
    this.output.rows = rows;
    this.output.emit("resize");
    this.emit("resize", columns, rows);
  }

  private negotiate(verb: number, option: number): void {
    const mine = verb === DO || verb === DONT;
    const table = mine ? this.us : this.them;
    const state = table.get(option) ?? "no";
    const [yes, no] = mine ? [WILL, WONT] : [DO, DONT];
    if (verb === DO || verb === WILL) {
      if (state === "yes") return;
      if (state === "wantyes") return void table.set(option, "yes");
      if (!(mine ? OURS : THEIRS).has(option)) return this.send([IAC, no, option]);
      table.set(option, "yes");
      this.send([IAC, yes, option]);
      if (!mine && option === LINEMODE) this.send([IAC, SB, LINEMODE, 1, 0, IAC, SE]);
    } else {
      if (state === "no") return;
      table.set(option, "no");
      if (state === "yes") this.send([IAC, no, option]);
    }
  }
}

/** One connected client, for `w`. */
export interface TelnetSession {
  readonly id: number;
  readonly username?: string;
  /** "address:port" of the client. */
  readonly remote: string;
  /** What it is running; "(Idle)" at the prompt. */
  what(): string;
  readonly connection: TelnetConnection;
}

export interface TelnetServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Defaults to 127.0.0.1; any other address is logged with a warning, as telnet is unencrypted. */
  host?: string;
  /** Runs the session; when it settles the server sends "\r\n" and closes the connection. */
  onSession(connection: TelnetConnection): Promise<void>;
  /** When given, each session logs in first. */
  auth?: PasswordFile;
  /** Where the listening address, the unencrypted-bind warning and each session's opening and end go. */
  log?: (line: string) => void;
  /** A login not finished in this time ends the session (default 60 s). */
  loginTimeoutMs?: number;
}

/** A listening telnet server. */
export class TelnetServer {
  private readonly live = new Map<number, TelnetSession>();
  private nextId = 1;

  private constructor(
    readonly server: Server,
    private readonly options: TelnetServerOptions,
  ) {}

  /** Listen, resolving once bound. Throws a CliError naming the address when it cannot. */
  static async start(options: TelnetServerOptions): Promise<TelnetServer> {
    const host = options.host ?? "127.0.0.1";
    const server = nodeNet().createServer();
    const telnet = new TelnetServer(server, options);
    server.on("connection", (socket: Socket) => void telnet.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => reject(new CliError(`cannot listen on ${formatAddress(host, options.port)}: ${error.code ?? error.message}`)));
      server.listen(options.port, host, () => resolve());
    });
    server.on("error", (error) => options.log?.(`telnet server error: ${error.message}`));
    const where = formatAddress(telnet.host, telnet.port);
    options.log?.(`telnet server listening on ${where}`);
    if (!isLoopback(telnet.host)) options.log?.(`warning: telnet is unencrypted; everything sent to ${where}, passwords included, crosses the network in clear text`);
    if (!options.auth) options.log?.("only the user who started this server may connect, from this machine (--password-file FILE lets others log in)");
    return telnet;
  }

  /** The bound address, as net.Server has it. */
  address(): { address: string; port: number; family: string } {
    const address = this.server.address();
    if (!address || typeof address === "string") throw new Error("telnet server is not listening");
    return address;
  }

  get host(): string { return this.address().address; }
  get port(): number { return this.address().port; }

  /** The connected clients, oldest first. */
  get sessions(): TelnetSession[] {
    return [...this.live.values()];
  }

  /** Stop listening and end every session. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.live.values()) session.connection.destroy();
    await closed;
  }

  private async serve(socket: Socket): Promise<void> {
    const { log, auth, onSession } = this.options;
    socket.setNoDelay(true); // keystroke echo should not wait for Nagle's algorithm
    const id = this.nextId++;
    // Without logins, the server is its owner's alone: anyone else could run its actions with its keys.
    const stranger = auth ? undefined : strangerReason(socket);
    if (stranger) {
      log?.(`session ${id} from ${formatAddress(socket.remoteAddress ?? "?", socket.remotePort ?? 0)} refused: ${stranger}`);
      socket.on("error", () => undefined);
      socket.end("deployer: this telnet server lets in only the user who started it, from this machine; to let others in, start it with --password-file FILE\r\n");
      return;
    }
    const connection = new TelnetConnection(socket);
    const session: TelnetSession = { id, remote: connection.remote, connection, what: () => connection.activity, get username() { return connection.username; } };
    this.live.set(id, session);
    connection.once("close", () => this.live.delete(id));
    log?.(`session ${id} from ${connection.remote} opened`);
    connection.start();
    try {
      if (auth) {
        connection.username = await login(connection, auth, this.options.loginTimeoutMs ?? 60_000);
        if (connection.username === undefined) log?.(`session ${id}: authentication failed`);
        else log?.(`session ${id}: user ${connection.username} logged in`);
      }
      if (!auth || connection.username !== undefined) await onSession(connection);
    } catch (error) {
      log?.(`session ${id}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (connection.output.writable) connection.output.write("\r\n");
      connection.close();
      this.live.delete(id);
      log?.(`session ${id} closed`);
    }
  }
}

/** Why the client on `socket` is not this server's owner; undefined when it is (or this platform cannot tell users apart). */
function strangerReason(socket: Socket): string | undefined {
  const own = process.getuid?.();
  if (own === undefined) return undefined;
  const uid = tcpPeerUid(socket);
  if (uid === own) return undefined;
  return uid === undefined ? "its user is unknown (not a connection from this machine)" : `it is uid ${uid}, not this server's user (uid ${own})`;
}

/** Listen for telnet clients; see TelnetServer.start. */
export function startTelnetServer(options: TelnetServerOptions): Promise<TelnetServer> {
  return TelnetServer.start(options);
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\./i.test(host);
}

function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
