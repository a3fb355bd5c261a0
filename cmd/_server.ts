// The shared-session server: one loaded deploy script, one node tree and one set of SSH connections,
// served to any number of terminals over a unix socket (`listen`, and `run` in the background).
import { chmodSync, rmSync } from "node:fs";
import type { Server, Socket } from "node:net";
import * as engine from "../engine/index.ts";
import { defaultShellOptions, type Shell } from "../shell/index.ts";
import { CliError } from "./_errors.ts";
import { interact } from "./_interaction.ts";
import { FrameReader, parseClientMessage, ProtocolError, send, type ClientInfo, type Hello, type SessionInfo } from "./_protocol.ts";
import { newVirtualInput, VirtualOutput, type VirtualInput } from "./_virtual_tty.ts";
import { sessionCommands } from "./_session_commands.ts";
import { describeActivity, hangUp, sharedEnv, type Activity } from "./_activity.ts";
import { peerUid } from "./_peer.ts";
import { ownUid } from "./_private_dir.ts";
import { nodeNet, randomHex } from "../engine/_builtins.ts";

export interface ServerOptions {
  file: string;
  script: string;
  root: engine.NodeClass;
  interactive: boolean;
  acceptNewHostKeys: boolean;
  parallel?: number;
  loggers: engine.Logger[];
  /** Stop when the last terminal leaves (the background server behind `run`). */
  exitWhenIdle: boolean;
  /** Where the server reports connections and dropped clients. */
  log: (line: string) => void;
}

/** One connected terminal. */
export interface Client {
  id: number;
  socket: Socket;
  route: engine.TerminalRoute;
  pty: engine.Pty;
  /** Whether the client can open tmux panes. */
  windows: boolean;
  input: VirtualInput;
  output: VirtualOutput;
  shell?: Shell;
  /** The actions running now (for list-sessions). */
  activity: Activity;
}

export class SessionServer {
  readonly env: engine.Node;
  readonly created = new Date();
  private readonly clients = new Map<number, Client>();
  private readonly server: Server;
  private nextId = 1;
  /** The runtime options (set-option), shared by every terminal of the session. */
  readonly shellOptions = defaultShellOptions();
  /** Panes asked for and not connected yet: token → who waits for it. */
  private readonly paneWaiters = new Map<string, (pane: Client) => void>();
  /** Windows asked for and not connected yet: token → the node their shell starts at. */
  private readonly windows = new Map<string, engine.Node>();
  private path = "";
  private stopping: Promise<void> | undefined;
  /** Resolves once the server has stopped. */
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(private readonly options: ServerOptions) {
    this.stopped = new Promise((resolve) => { this.resolveStopped = resolve; });
    this.env = sharedEnv(options.root, options, () => this.clients.values());
    this.server = nodeNet().createServer((socket) => this.accept(socket));
  }

  /** Listen on `path` (owner-only); a stale socket file left by a dead server is replaced. */
  async listen(path: string): Promise<void> {
    if (await isLive(path)) throw new CliError(`${path}: a session is already listening there`);
    rmSync(path, { force: true });
    const previous = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once("error", reject);
        this.server.listen(path, () => { this.server.off("error", reject); resolve(); });
      });
    } catch (error) {
      throw new CliError(`${path}: cannot listen: ${(error as Error).message}`);
    } finally {
      process.umask(previous);
    }
    chmodSync(path, 0o600);
    this.path = path;
  }

  /** Stop listening, end every terminal, close the host connections. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      this.server.close();
      for (const client of this.clients.values()) client.socket.destroy();
      await engine.Env.close(this.env);
      if (this.path) rmSync(this.path, { force: true });
      this.resolveStopped();
    })());
  }

  info(): SessionInfo {
    const clients: ClientInfo[] = [...this.clients.values()].map((client) => ({
      id: client.id,
      node: client.shell ? new engine.Inspector(client.shell.state.node).getFullName() : "",
      running: describeActivity(client.activity),
    }));
    return {
      type: "info", pid: process.pid, created: this.created.toISOString(), script: this.options.script,
      root: this.options.root.name, clients,
    };
  }

  private accept(socket: Socket): void {
    // The socket's permissions keep other users out; where the kernel can name the peer, check it too.
    const uid = peerUid(socket);
    if (uid !== undefined && uid !== ownUid()) {
      this.options.log(`connection from uid ${uid} refused: the session belongs to uid ${ownUid()}`);
      socket.destroy();
      return;
    }
    const reader = new FrameReader();
    let client: Client | undefined;
    const drop = (reason: string): void => {
      this.options.log(`connection ${client?.id ?? "(new)"}: ${reason}; closed`);
      socket.destroy();
    };
    socket.on("data", (chunk: Buffer) => {
      try {
        for (const raw of reader.push(chunk)) {
          const message = parseClientMessage(raw);
          if (message.type === "info") {
            send(socket, this.info());
            socket.end();
          } else if (message.type === "hello") {
            if (client) throw new ProtocolError("hello sent twice");
            client = this.start(socket, message);
          } else if (!client) {
            throw new ProtocolError(`${message.type} before hello`);
          } else if (message.type === "input") {
            client.input.write(Buffer.from(message.data, "base64"));
          } else {
            client.output.resize(message.rows, message.cols);
          }
        }
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        drop(error.message);
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      if (client) this.leave(client);
      else if (this.clients.size === 0) this.stopIfIdle();
    });
  }

  /** A terminal said hello: give it a shell (or the SCP shell, or one action) of its own. */
  private start(socket: Socket, hello: Hello): Client {
    const id = this.nextId++;
    const input = newVirtualInput();
    const output = new VirtualOutput(hello.rows, hello.cols, (data) => {
      send(socket, { type: "output", data: Buffer.from(data).toString("base64") });
    });
    let client!: Client;
    const pty = new SessionPty(input, output, { interactive: this.options.interactive, term: hello.term }, (title) => this.openPane(client, title));
    client = { id, socket, route: engine.newRoute(pty), pty, input, output, windows: hello.windows, activity: { actions: [] } };
    this.clients.set(id, client);
    this.options.log(`terminal ${id} connected`);
    const waiter = hello.window === undefined ? undefined : this.paneWaiters.get(hello.window);
    if (waiter) {
      // A pane asked for one host of a parallel action: that host's work runs here.
      this.paneWaiters.delete(hello.window!);
      waiter(client);
      return client;
    }
    const startNode = hello.window === undefined ? undefined : this.windows.get(hello.window);
    if (hello.window !== undefined) this.windows.delete(hello.window);
    void engine.onRoute(client.route, () => interact({
      env: this.env, pty, file: this.options.file, script: this.options.script, color: hello.color,
      shell: { ...sessionCommands(this, client, hello.windows), options: this.shellOptions },
      onShell: (shell) => {
        client.shell = shell;
        if (startNode) shell.cd(startNode);
      },
    }, hello)).then(
      (code) => send(socket, { type: "exit", code }),
      (error: unknown) => {
        if (error instanceof CliError) send(socket, { type: "exit", code: error.exitCode, error: error.message, details: error.details });
        else send(socket, { type: "exit", code: 70, error: `internal error: ${error instanceof Error ? error.message : String(error)}` });
      },
    ).finally(() => socket.end());
    return client;
  }

  /**
   * A tmux pane for one host of a parallel action run from `client`, when it runs inside tmux and
   * `parallel-panes` is on; undefined (the host gets a lane in the client's own terminal) otherwise.
   */
  private async openPane(client: Client, title: string): Promise<engine.Pane | undefined> {
    if (!client.windows || this.shellOptions.get("parallel-panes") !== "on") return undefined;
    const pane = await this.requestPane(client);
    if (!pane) {
      client.output.write(`Could not open a tmux pane for ${title}; it runs here instead.\n`);
      return undefined;
    }
    pane.output.write(`\x1b[1m${title}\x1b[22m\n`);
    return {
      pty: pane.pty,
      close: async (failed) => {
        if (this.shellOptions.get("keep-panes-open") === "on") {
          pane.output.write(`\n[${failed ? "FAILED" : "DONE"}] Press a key to close this pane.`);
          await this.untilKeyOrSwept(pane);
        }
        closePane(pane, failed ? 1 : 0);
      },
    };
  }

  /** An unfocused tmux pane beside `client`'s, connected as a client of its own; undefined if none connects in time. */
  private requestPane(client: Client): Promise<Client | undefined> {
    const token = randomHex(16);
    return new Promise<Client | undefined>((resolve) => {
      this.paneWaiters.set(token, resolve);
      setTimeout(() => { if (this.paneWaiters.delete(token)) resolve(undefined); }, PANE_TIMEOUT_MS).unref();
      send(client.socket, { type: "open-window", window: token, focus: false });
    });
  }

  /** Panes kept open after their work, each waiting for a key: close-dead-panes closes them all. */
  private readonly deadPanes = new Set<() => void>();

  /** Resolves at a key in `pane`, or when close-dead-panes sweeps it. */
  private async untilKeyOrSwept(pane: Client): Promise<void> {
    const aborted = new AbortController();
    const swept = () => aborted.abort();
    this.deadPanes.add(swept);
    try {
      await pane.pty.readKeys(() => true, aborted.signal);
    } finally {
      this.deadPanes.delete(swept);
    }
  }

  /** Close every pane kept open after its work (keep-panes-open); returns how many. */
  closeDeadPanes(): number {
    const panes = [...this.deadPanes];
    for (const sweep of panes) sweep();
    return panes.length;
  }

  /**
   * A pane beside `client`'s that shows, as a tree, the actions and commands run from `client`'s
   * terminal as they run, until a key is pressed in it (or the terminal leaves). Resolves once it is open.
   */
  async openMonitor(client: Client): Promise<boolean> {
    const pane = await this.requestPane(client);
    if (!pane) return false;
    const monitor = new engine.IndentedDefaultLogger(pane.output, { color: true });
    const monitors = (client.activity.monitors ??= new Set());
    pane.output.write(`\x1b[1mMonitor of terminal ${client.id}\x1b[22m: what its actions run, as they run. Press a key to close this pane.\n`);
    monitors.add(monitor);
    const stop = (): void => {
      monitors.delete(monitor);
      client.socket.off("close", stop);
      closePane(pane, 0);
    };
    client.socket.once("close", stop);
    void pane.pty.readKey().finally(stop);
    return true;
  }

  /** A terminal left (or was killed): stop what it started, forget it, and stop if it was the last. */
  private leave(client: Client): void {
    if (!this.clients.delete(client.id)) return;
    client.output.close();
    client.input.destroy();
    const stopped = hangUp(client.route);
    this.options.log(`terminal ${client.id} left${stopped ? ` (stopped ${stopped} running command${stopped === 1 ? "" : "s"})` : ""}`);
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.options.exitWhenIdle && this.clients.size === 0) void this.stop();
  }

  /** The socket this server listens on. */
  get socketPath(): string {
    return this.path;
  }

  /** Ask `client`'s terminal to open another window with a new shell at `node`. */
  openWindow(client: Client, node: engine.Node): void {
    const token = randomHex(16);
    this.windows.set(token, node);
    // A window that never connects (tmux failed) must not be remembered forever.
    setTimeout(() => this.windows.delete(token), 60_000).unref();
    send(client.socket, { type: "open-window", window: token, focus: true });
  }
}

/** End a pane's client: its tmux pane closes. */
function closePane(pane: Client, code: number): void {
  if (pane.socket.destroyed) return;
  send(pane.socket, { type: "exit", code });
  pane.socket.end();
}

/** How long a pane may take to connect before its host runs in the asking terminal instead. */
const PANE_TIMEOUT_MS = 5000;

/** A client's terminal, which can open panes for the hosts of a parallel action. */
class SessionPty extends engine.Pty {
  constructor(input: VirtualInput, output: VirtualOutput, options: engine.PtyOptions, private readonly pane: (title: string) => Promise<engine.Pane | undefined>) {
    super(input, output, options);
  }

  override openPane(title: string): Promise<engine.Pane | undefined> {
    return this.pane(title);
  }
}

/** Whether a server answers on `path`. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = nodeNet().createConnection(path);
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}
