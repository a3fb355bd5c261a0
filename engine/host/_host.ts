// Host: what actions run commands on. Subclasses provide a backend; everything else lives here once.
import { Console } from "../console.ts";
import { parseIfconfigOutput, type IfConfig } from "../_network.ts";
import type { LoggerInterface } from "../loggers/index.ts";
import { DummyPty, type Pty } from "../pty.ts";
import { LoggerInterface as Loggers } from "../loggers/index.ts";
import type { Backend, ExecProcess, FileSystem } from "./_backend.ts";
import { EMPTY_CONTEXT, mergeContexts, resolveCwd, runScoped, scopedContext, type HostContext } from "./_context.ts";
import { ContextScoped } from "./_scoped.ts";
import { executeCommand } from "./_exec.ts";
import * as files from "./_files.ts";
import * as directories from "./_directories.ts";
import { shellQuote } from "../utils.ts";
import { LanePty } from "../_lanes.ts";
import type { Interruptible, TerminalRoute } from "../_terminal.ts";

export interface RunOptions {
  /** Check the syntax with `bash -n` instead of running. */
  sandbox?: boolean;
  /**
   * Show the output live (default true). On a real terminal the command also gets a PTY of the
   * terminal's size, with keystrokes passed through; false captures quietly, without a PTY.
   */
  interactive?: boolean;
  /** Run as this user (through sudo). */
  user?: string;
  /** Return the output of a failing command instead of throwing ExecCommandFailed. */
  ignoreExitStatus?: boolean;
  /** Text sent to the command's standard input once it starts. */
  initialInput?: string;
  /** Neither log the command nor show its output. */
  silent?: boolean;
  /**
   * Seconds the command may run. Then it and every process it started get SIGTERM (SIGKILL a few
   * seconds later if they are still there), and it fails with ExecCommandTimedOut.
   */
  timeout?: number;
}

/** What a host needs from the run it is part of. */
export interface HostSession {
  pty: Pty;
  logger: LoggerInterface;
  isSandbox: boolean;
  /** Trust SSH host keys not yet in known_hosts (the CLI's --accept-new-host-keys). */
  acceptNewHostKeys?: boolean;
  /** The commands running now, so an interrupt (Ctrl-C in the shell) can stop them. */
  running?: Set<Interruptible>;
  /** The run's own terminal (parallel work without a terminal route of its own shows there). */
  route?: TerminalRoute;
  /** At most this many hosts worked on at once (`--parallel N`). */
  parallel?: number;
}

export type { CdOptions, EnvOptions } from "./_scoped.ts";

const SESSION = Symbol("deployer.host.session");
const BACKEND = Symbol("deployer.host.backend");
const BASE = Symbol("deployer.host.base");
const EXTRA = Symbol("deployer.host.context");
const PASSWORD = Symbol("deployer.host.askedPassword");

/** Any concrete Host subclass; the framework constructs hosts, so no constructor parameters. */
export type HostClass<T extends Host = Host> = new () => T;

/** Base class of LocalHost and SSHHost: a machine that runs commands. */
export abstract class Host extends ContextScoped {
  /** Unique name of this host within a role; shown in logs and prompts. */
  slug = "";
  username = "";
  /** Used to answer sudo's password prompt (and by SSHHost to log in). Never logged. */
  password = "";

  private [SESSION]: HostSession | undefined;
  private [BACKEND]: Promise<Backend> | undefined;
  private [BASE]: Host | undefined;
  private [EXTRA]: HostContext = EMPTY_CONTEXT;
  private [PASSWORD]: Promise<string | undefined> | undefined;

  /** The transport for this host; called once, connected lazily on the first command. */
  protected abstract createBackend(): Backend;

  /** The name shown for this host: its slug, or the class name. */
  get name(): string {
    return this.slug || this.constructor.name;
  }

  /** The host itself (a `cd(path)` handle shares its connection and state). */
  protected get base(): Host {
    return this[BASE] ?? this;
  }

  /** Attach this host to a run's terminal and loggers (done by the framework). */
  attach(session: HostSession): this {
    this.base[SESSION] = session;
    return this;
  }

  /** The run this host belongs to. */
  get session(): HostSession {
    const base = this.base;
    return (base[SESSION] ??= { pty: new DummyPty(), logger: new Loggers(), isSandbox: false });
  }

  /** A Console on this run's terminal (for questions and progress bars). */
  get console(): Console {
    return new Console(this.session.pty);
  }

  /** Connect now (commands connect by themselves when needed); a failed attempt is retried next time. */
  connect(): Promise<Backend> {
    const base = this.base;
    const pending = (base[BACKEND] ??= base.openBackend());
    pending.catch(() => { if (base[BACKEND] === pending) base[BACKEND] = undefined; });
    return pending;
  }

  private async openBackend(): Promise<Backend> {
    const backend = this.createBackend();
    const pty = this.session.pty;
    // A status line while the handshake runs, on a terminal only; cleared when done.
    const status = pty.isTTY && this.showsConnecting();
    if (status) pty.stdout.write(`\x1b[2m connecting to ${this.name}…\x1b[0m\r`);
    try {
      await backend.connect();
    } finally {
      if (status) pty.stdout.write("\x1b[2K\r");
    }
    return backend;
  }

  /** Whether connecting takes long enough to show (not for this machine). */
  protected showsConnecting(): boolean {
    return false;
  }

  /** Forget the connection so the next command opens a new one (after it dropped). */
  protected forgetConnection(backend: Backend): void {
    const base = this.base;
    void base[BACKEND]?.then((current) => { if (current === backend) base[BACKEND] = undefined; }, () => undefined);
  }

  /** Close the connection, if one is open. */
  async close(): Promise<void> {
    const base = this.base;
    const pending = base[BACKEND];
    base[BACKEND] = undefined;
    if (pending) await (await pending.catch(() => undefined))?.close();
  }

  /** The host's files (SFTP over SSH). */
  async files(): Promise<FileSystem> {
    return (await this.connect()).files();
  }

  // Contexts: cd, prefix, env. With a function: a scoped block; without: a derived handle.

  /** The context commands on this host run in here: scoped blocks, then this handle's own. */
  context(): HostContext {
    return mergeContexts(scopedContext(this.base), this[EXTRA]);
  }

  /** A handle on the same host whose commands also run in `context`. */
  withContext(context: HostContext): this {
    const view = Object.create(this.base) as this;
    view[BASE] = this.base;
    view[EXTRA] = mergeContexts(this[EXTRA], context);
    return view;
  }

  protected scope<T>(update: (context: HostContext) => HostContext, fn: (() => T) | undefined): this | Promise<Awaited<T>> {
    if (!fn) return this.withContext(update(EMPTY_CONTEXT));
    const extra = this[EXTRA];
    return runScoped([this.base], (outer) => update(mergeContexts(outer, extra)), async (): Promise<Awaited<T>> => await fn());
  }

  // Commands

  /** Run a shell command; resolves to its output, throws ExecCommandFailed on a non-zero exit. */
  run(command: string, options: RunOptions = {}): Promise<string> {
    return executeCommand(this, command, options.user !== undefined, options);
  }

  /** Run a shell command through sudo, answering its password prompt with `password` (or asking once). */
  sudo(command: string, options: RunOptions = {}): Promise<string> {
    return executeCommand(this, command, true, options);
  }

  /** The sudo password: `password`, or asked once per host on the terminal; undefined when there is none. */
  sudoPassword(): Promise<string | undefined> {
    const base = this.base;
    if (base.password) return Promise.resolve(base.password);
    return (base[PASSWORD] ??= (async () => {
      const console = base.console;
      if (!console.isInteractive) return undefined;
      const ask = () => console.password(`[sudo] password for ${base.username || "the user"} on ${base.name}`).catch(() => undefined);
      if (!(console.pty instanceof LanePty)) return await ask();
      // Several hosts at once: one answer may do for all the hosts still running, if the user says so.
      return await console.pty.sharedAnswer("sudo-password", async (others) => {
        const value = await ask();
        const question = `Use this password for the other ${others} host${others === 1 ? "" : "s"} of this run too?`;
        const share = value !== undefined && others > 0 && await console.confirm(question, { default: false }).catch(() => false);
        return { value, share };
      });
    })());
  }

  /** Open a login shell (or run `command`) with the terminal passed through. */
  async startInteractiveShell(command?: string, initialInput?: string): Promise<void> {
    await this.run(command ?? "exec \"${SHELL:-/bin/bash}\" -l", { interactive: true, initialInput, ignoreExitStatus: true });
  }

  // Paths

  /** Where a login starts (the home directory over SSH, the working directory locally). */
  async getStartPath(): Promise<string> {
    return (await this.files()).home();
  }

  /** The home directory of `username` (default: the login user). */
  async getHomeDirectory(username?: string): Promise<string> {
    if (!username) return this.getStartPath();
    const out = await this.run(`cd / && eval echo ~${shellQuote(username).replace(/^'|'$/g, "")}`, { interactive: false, silent: true });
    return out.trim();
  }

  /** `~` and `~user` expanded. */
  async expandPath(path: string): Promise<string> {
    if (path === "~" || path.startsWith("~/")) return (await this.getHomeDirectory()) + path.slice(1);
    const match = /^~([A-Za-z0-9_.-]+)(\/.*)?$/.exec(path);
    if (match) return (await this.getHomeDirectory(match[1])) + (match[2] ?? "");
    return path;
  }

  /** The absolute working directory commands run in here (contexts applied). */
  async getcwd(): Promise<string> {
    const context = this.context();
    const home = context.cd.some((entry) => entry.expand) ? await this.getHomeDirectory() : "";
    return resolveCwd(context, await this.getStartPath(), home);
  }

  // Probes

  /** Whether `command` is on the host's PATH. */
  async hasCommand(command: string): Promise<boolean> {
    const out = await this.run(`command -v ${shellQuote(command)} >/dev/null 2>&1 && echo yes || echo no`, { interactive: false, silent: true });
    return out.trim() === "yes";
  }

  /** The host's network interfaces (from `ip addr`, or `ifconfig` where there is no `ip`). */
  async ifconfig(): Promise<IfConfig> {
    const out = await this.run("ip -4 addr 2>/dev/null || /sbin/ifconfig 2>/dev/null || ifconfig", { interactive: false, silent: true });
    return parseIfconfigOutput(out);
  }

  /** The IPv4 address of `interfaceName`. */
  async getIpAddress(interfaceName = "eth0"): Promise<string | undefined> {
    return (await this.ifconfig()).getInterface(interfaceName).ip;
  }

  // Files (relative paths are relative to the working directory of the context)

  /** Open a file: `r`/`w`/`a` for text, `rb`/`wb`/`ab` for bytes. Writes land when it is closed. */
  async open(path: string, mode: files.OpenMode = "r", options: { useSudo?: boolean } = {}): Promise<files.RemoteFile> {
    const entry = this.logFile(mode, path, undefined, options.useSudo);
    let file: files.RemoteFile;
    try {
      file = await files.openFile(this, path, mode, options);
    } catch (error) {
      entry.complete(false);
      throw error;
    }
    // Logged as done when closed (writes land then) or discarded.
    return {
      read: () => file.read(),
      write: (data) => file.write(data),
      close: async () => {
        try {
          await file.close();
          entry.complete(true);
        } catch (error) {
          entry.complete(false);
          throw error;
        }
      },
      discard: async () => {
        await file.discard();
        entry.complete(false);
      },
    };
  }

  /** Copy a local file to the host; the destination appears whole or not at all. */
  putFile(localPath: string, remotePath: string, options: files.TransferOptions = {}): Promise<void> {
    return this.logged(this.logFile("put", remotePath, localPath, options.useSudo), files.putFile(this, localPath, remotePath, options));
  }

  /** Copy a file from the host; the local destination appears whole or not at all. */
  getFile(remotePath: string, localPath: string, options: files.TransferOptions = {}): Promise<void> {
    return this.logged(this.logFile("get", remotePath, localPath, options.useSudo), files.getFile(this, remotePath, localPath, options));
  }

  /**
   * Copy a local directory tree to the host, several files at once (`parallel`, default 16), each
   * appearing whole or not at all; missing directories are made, other files there are left alone.
   */
  putDirectory(localPath: string, remotePath: string, options: directories.DirectoryOptions = {}): Promise<directories.DirectoryCopy> {
    return this.logged(this.logFile("put", remotePath, localPath, options.useSudo), directories.putDirectory(this, localPath, remotePath, options));
  }

  /** Copy a directory tree from the host, as putDirectory does the other way. */
  getDirectory(remotePath: string, localPath: string, options: directories.DirectoryOptions = {}): Promise<directories.DirectoryCopy> {
    return this.logged(this.logFile("get", remotePath, localPath, options.useSudo), directories.getDirectory(this, remotePath, localPath, options));
  }

  private logFile(mode: string, remotePath: string, localPath: string | undefined, useSudo = false): { complete(succeeded: boolean): void } {
    const session = this.session;
    return session.logger.logFile({ host: this.name, mode, remotePath, localPath, useSudo, sandbox: session.isSandbox });
  }

  private async logged<T>(entry: { complete(succeeded: boolean): void }, work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      entry.complete(true);
      return result;
    } catch (error) {
      entry.complete(false);
      throw error;
    }
  }

  /** Whether a file or directory exists (as the login user, or with sudo). */
  exists(path: string, options: { useSudo?: boolean } = {}): Promise<boolean> {
    return files.pathExists(this, path, options);
  }

  stat(path: string): Promise<files.Stat> {
    return files.statPath(this, path);
  }

  listdir(path = "."): Promise<string[]> {
    return files.listdir(this, path);
  }

  listdirStat(path = "."): Promise<files.Stat[]> {
    return files.listdirStat(this, path);
  }
}
