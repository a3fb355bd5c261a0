// Host: what actions run commands on. Subclasses provide a backend; run/sudo live here once.
import { ExecCommandFailed, DeployerException } from "../exceptions.ts";
import type { LoggerInterface } from "../loggers/index.ts";
import { DummyPty, type Pty } from "../pty.ts";
import { LoggerInterface as Loggers } from "../loggers/index.ts";
import type { Backend, ExecProcess } from "./_backend.ts";
import { buildCommand, SUDO_PROMPT } from "./_command.ts";
import type { CommandResult } from "./_result.ts";

export interface RunOptions {
  /** Check the syntax with `bash -n` instead of running. */
  sandbox?: boolean;
  /** Show the output live on the terminal (default true). */
  interactive?: boolean;
  /** Run as this user (implies sudo). */
  user?: string;
  /** Return the output of a failing command instead of throwing ExecCommandFailed. */
  ignoreExitStatus?: boolean;
  /** Text sent to the command's standard input once it starts. */
  initialInput?: string;
  /** Neither log the command nor show its output. */
  silent?: boolean;
}

/** What a host needs from the run it is part of. */
export interface HostSession {
  pty: Pty;
  logger: LoggerInterface;
  isSandbox: boolean;
}

const SESSION = Symbol("deployer.host.session");
const BACKEND = Symbol("deployer.host.backend");

/** Any concrete Host subclass; the framework constructs hosts, so no constructor parameters. */
export type HostClass<T extends Host = Host> = new () => T;

/** Base class of LocalHost and SSHHost: a machine that runs commands. */
export abstract class Host {
  /** Unique name of this host within a role; shown in logs and prompts. */
  slug = "";
  username = "";
  /** Used to answer sudo's password prompt (and by SSHHost to log in). Never logged. */
  password = "";

  private [SESSION]: HostSession | undefined;
  private [BACKEND]: Promise<Backend> | undefined;

  /** The transport for this host; called once, connected lazily on the first command. */
  protected abstract createBackend(): Backend;

  /** The name shown for this host: its slug, or the class name. */
  get name(): string {
    return this.slug || this.constructor.name;
  }

  /** Attach this host to a run's terminal and loggers (done by the framework). */
  attach(session: HostSession): this {
    this[SESSION] = session;
    return this;
  }

  private get session(): HostSession {
    return (this[SESSION] ??= { pty: new DummyPty(), logger: new Loggers(), isSandbox: false });
  }

  /** Connect now (commands connect by themselves when needed). */
  connect(): Promise<Backend> {
    const pending = (this[BACKEND] ??= this.openBackend());
    pending.catch(() => { if (this[BACKEND] === pending) this[BACKEND] = undefined; });
    return pending;
  }

  private async openBackend(): Promise<Backend> {
    const backend = this.createBackend();
    await backend.connect();
    return backend;
  }

  /** Close the connection, if one is open. */
  async close(): Promise<void> {
    const pending = this[BACKEND];
    this[BACKEND] = undefined;
    if (pending) await (await pending.catch(() => undefined))?.close();
  }

  /** Run a shell command; resolves to its output, throws ExecCommandFailed on a non-zero exit. */
  run(command: string, options: RunOptions = {}): Promise<string> {
    return this.execute(command, options.user !== undefined, options);
  }

  /** Run a shell command through sudo, answering its password prompt with `password`. */
  sudo(command: string, options: RunOptions = {}): Promise<string> {
    return this.execute(command, true, options);
  }

  private async execute(command: string, useSudo: boolean, options: RunOptions): Promise<string> {
    const session = this.session;
    const sandbox = options.sandbox ?? session.isSandbox;
    const show = !options.silent && (options.interactive ?? true);
    const full = buildCommand(command, { sandbox, sudo: useSudo, user: options.user });
    const entry = options.silent ? undefined : session.logger.logRun({ host: this.name, command, useSudo, sandbox });
    const started = performance.now();
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const sudo = new SudoResponder(this, useSudo);
    try {
      const backend = await this.connect();
      const decoder = new TextDecoder();
      const proc = backend.exec({
        command: full,
        onStdout: (chunk) => {
          stdout.push(Buffer.from(chunk));
          if (show) session.pty.stdout.write(chunk);
        },
        onStderr: (chunk) => {
          const text = sudo.filter(decoder.decode(chunk, { stream: true }), proc);
          if (text === "") return;
          stderr.push(Buffer.from(text));
          if (show) session.pty.stdout.write(text);
        },
      });
      if (options.initialInput !== undefined) proc.write(options.initialInput);
      const outcome = await proc.done;
      const result: CommandResult = {
        host: this.name,
        command,
        useSudo,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        output: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
        durationMs: performance.now() - started,
      };
      entry?.complete(result.exitCode === 0);
      sudo.check();
      if (result.exitCode !== 0 && !options.ignoreExitStatus) throw new ExecCommandFailed(result);
      return sandbox ? "<Not sure in sandbox>" : result.output;
    } catch (error) {
      entry?.complete(false);
      throw error;
    }
  }
}

/** Answers sudo's password prompt once per command and keeps the prompt off the screen. */
class SudoResponder {
  private answered = 0;
  constructor(private readonly host: Host, private readonly enabled: boolean) {}

  /** Remove prompts from `text`, answering the first; returns what is left to show. */
  filter(text: string, proc: Pick<ExecProcess, "write" | "end">): string {
    if (!this.enabled || !text.includes(SUDO_PROMPT)) return text;
    const parts = text.split(SUDO_PROMPT);
    for (let i = 1; i < parts.length; i++) {
      this.answered++;
      // A second prompt means the password was refused: end-of-file makes sudo give up at once
      // instead of retrying with a delay.
      if (this.answered === 1 && this.host.password) proc.write(`${this.host.password}\n`);
      else proc.end();
    }
    return parts.join("");
  }

  /** Throw if sudo asked more than once (the password was wrong or missing). */
  check(): void {
    if (this.answered > 1 || (this.answered === 1 && !this.host.password)) {
      throw new DeployerException(`sudo on ${this.host.name} refused the password${this.host.password ? "" : " (the host has no password set)"}`);
    }
  }
}
