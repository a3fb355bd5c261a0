// Running one command on a host: the command line, logging, live output, sudo answering, and
// (on a real terminal) a PTY with keystrokes and resizes passed through.
import { DeployerException, ExecCommandFailed, ExecCommandTimedOut } from "../exceptions.ts";
import type { ExecProcess } from "./_backend.ts";
import { buildCommand, SUDO_GROUP_MARK, SUDO_PROMPT, sweepCommand } from "./_command.ts";
import type { Host, RunOptions } from "./_host.ts";
import type { CommandResult } from "./_result.ts";
import { currentRoute, type Interruptible } from "../_terminal.ts";

/** Set on an input stream while a PTY command receives its keystrokes (so a shell leaves Ctrl-C to it). */
export const PASSING_THROUGH: unique symbol = Symbol.for("deployer.passingThrough") as never;

/** Run `command` on `host` (or a handle of it), as `host.run`/`host.sudo` describe. */
export async function executeCommand(host: Host, command: string, useSudo: boolean, options: RunOptions): Promise<string> {
  const session = host.session;
  const pty = session.pty;
  const sandbox = options.sandbox ?? session.isSandbox;
  const context = host.context();
  const full = buildCommand(command, { sandbox, sudo: useSudo, user: options.user, context });
  const shown = [...context.prefixes, command].join(" && ");
  const show = !options.silent && (options.interactive ?? true);
  const terminal = show && pty.interactive && pty.isTTY && pty.canPassThrough;
  const entry = options.silent ? undefined : session.logger.logRun({ host: host.name, command: shown, useSudo, sandbox, hostHandle: host });
  const started = performance.now();
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const sudo = new SudoResponder(host, useSudo);
  if (options.timeout !== undefined && !(options.timeout > 0 && Number.isFinite(options.timeout))) {
    throw new DeployerException(`timeout ${options.timeout}: not a number of seconds (more than 0)`);
  }
  let deadline: Deadline | undefined;
  let detach = () => {};
  try {
    const backend = await host.connect();
    const [rows, cols] = pty.getSize();
    const proc: ExecProcess = backend.exec({
      command: full,
      pty: terminal ? { term: pty.getTermVar(), rows, cols } : undefined,
      onStdout: (chunk) => received(stdout, sudo.filter("stdout", chunk, proc)),
      onStderr: (chunk) => received(stderr, sudo.filter("stderr", chunk, proc)),
    });
    function received(into: Buffer[], text: string | Uint8Array): void {
      if (text.length === 0) return;
      into.push(Buffer.from(text));
      if (show) pty.stdout.write(text);
    }
    const stoppable = useSudo ? alsoAsRoot(host, proc, sudo) : proc;
    const untrack = track(session.running, stoppable);
    const previousDetach = detach;
    detach = () => { previousDetach(); untrack(); };
    if (terminal) {
      const restore = passThrough(host, proc, sudo);
      detach = () => { restore(); untrack(); };
    }
    if (options.initialInput !== undefined) proc.write(options.initialInput);
    if (options.timeout !== undefined) deadline = new Deadline(stoppable, options.timeout);
    const outcome = await (deadline ? deadline.race(stoppable.done) : stoppable.done);
    received(stdout, sudo.flush("stdout"));
    received(stderr, sudo.flush("stderr"));
    if (deadline?.expired) throw new ExecCommandTimedOut(host.name, shown, options.timeout!);
    const result: CommandResult = {
      host: host.name,
      command: shown,
      useSudo,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      output: Buffer.concat(stdout).toString(),
      stderr: Buffer.concat(stderr).toString(),
      durationMs: performance.now() - started,
    };
    entry?.complete(result.exitCode === 0, { exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs });
    sudo.check();
    if (result.exitCode !== 0 && !options.ignoreExitStatus) throw new ExecCommandFailed(result, show ? undefined : result.stderr);
    return sandbox ? "<Not sure in sandbox>" : result.output;
  } catch (error) {
    entry?.complete(false);
    if (deadline?.expired && !(error instanceof ExecCommandTimedOut)) throw new ExecCommandTimedOut(host.name, shown, options.timeout!);
    throw error;
  } finally {
    deadline?.cancel();
    detach();
  }
}

/** The length of the longest end of `text` that is a start of `prompt` (0 when none is). */
function heldPrefix(text: string, prompt: string): number {
  for (let n = Math.min(text.length, prompt.length - 1); n > 0; n--) {
    if (text.endsWith(prompt.slice(0, n))) return n;
  }
  return 0;
}

/** How much of the end of `text` to hold back as the start of a group mark not yet complete. */
function heldMark(text: string): number {
  const at = text.lastIndexOf(SUDO_GROUP_MARK);
  // A mark's digits are few: a longer tail without its closing byte is not one.
  if (at >= 0 && text.length - at <= SUDO_GROUP_MARK.length + 12 && !text.includes("\x1e", at + SUDO_GROUP_MARK.length)) return text.length - at;
  return heldPrefix(text, SUDO_GROUP_MARK);
}

/** The wait between SIGTERM and SIGKILL, and between SIGKILL and giving up on the command. */
const STOP_GRACE_MS = 3000;

/**
 * A command's time limit: when it is up, SIGTERM to the command's process group, SIGKILL if it is
 * still running a little later, and then stop waiting for it at all (a process that survives
 * SIGKILL, or a connection that no longer answers, must not hold up the run).
 */
class Deadline {
  expired = false;
  private readonly timers: Array<ReturnType<typeof setTimeout>> = [];
  private giveUp: (reason: Error) => void = () => {};

  constructor(private readonly proc: ExecProcess, seconds: number) {
    this.after(seconds * 1000, () => {
      this.expired = true;
      proc.signal("TERM");
      this.after(STOP_GRACE_MS, () => {
        proc.signal("KILL");
        this.after(STOP_GRACE_MS, () => {
          proc.abandon();
          this.after(STOP_GRACE_MS, () => this.giveUp(new Error("the command did not stop")));
        });
      });
    });
  }

  /** `done`, or a rejection once the command has been given up on. */
  race<T>(done: Promise<T>): Promise<T> {
    return Promise.race([done, new Promise<never>((_, reject) => { this.giveUp = reject; })]);
  }

  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  private after(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(fn, ms));
  }
}

/** Note `proc` as running from the caller's terminal (and the terminals that one is a view of). */
function track(running: Set<Interruptible> | undefined, proc: Interruptible): () => void {
  const sets = new Set<Set<Interruptible>>(running ? [running] : []);
  for (let route = currentRoute()?.parent; route; route = route.parent) sets.add(route.running);
  for (const set of sets) set.add(proc);
  return () => { for (const set of sets) set.delete(proc); };
}

/**
 * Pass the user's terminal through to a PTY command: raw keystrokes (Ctrl-C included, which the
 * remote terminal turns into SIGINT) and resizes. Returns the function that restores the terminal.
 */
function passThrough(host: Host, proc: ExecProcess, sudo: SudoResponder): () => void {
  const pty = host.session.pty;
  const stdin = pty.stdin as NodeJS.ReadStream & Record<symbol, boolean>;
  stdin[PASSING_THROUGH] = true;
  const wasRaw = stdin.isRaw ?? false;
  stdin.setRawMode?.(true);
  const onData = (data: Buffer) => { if (!sudo.asking) proc.write(data); };
  stdin.on("data", onData);
  stdin.resume();
  const stopResize = pty.onResize((rows, cols) => proc.resize(cols, rows));
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    stdin[PASSING_THROUGH] = false;
    stdin.off("data", onData);
    stdin.pause();
    stdin.setRawMode?.(wasRaw);
    stopResize();
  };
}

/**
 * A sudo'd command whose signals also reach, through sudo, the process group of the shell sudo
 * started: the login user's signal stops sudo and the shell around it, but not what runs as root
 * (or as another user) under it, in a group (and session) of sudo's making.
 */
function alsoAsRoot(host: Host, proc: ExecProcess, sudo: SudoResponder): ExecProcess {
  const kills: Array<Promise<unknown>> = [];
  const asRoot = (command: string) => host.sudo(command, { interactive: false, silent: true }).catch(() => undefined);
  return {
    write: (data) => proc.write(data),
    end: () => proc.end(),
    resize: (cols, rows) => proc.resize(cols, rows),
    abandon: () => proc.abandon(),
    // The command is over once its root processes have had their signal too (the run may exit next),
    // and what it started with & away from its output (deaf to SIGINT, not keeping the channel open)
    // is stopped as well.
    done: proc.done.then(async (outcome) => {
      await Promise.all(kills);
      if (kills.length && sudo.innerGroup !== undefined) await asRoot(sweepCommand(sudo.innerGroup));
      return outcome;
    }),
    signal(name) {
      const group = sudo.innerGroup;
      if (group !== undefined) {
        // Best effort: the host may be gone, which may be why the command is being stopped.
        kills.push(asRoot(`kill -${name} -- -${group} 2>/dev/null; true`));
      }
      proc.signal(name);
    },
  };
}

/**
 * Answers sudo's password prompt once per command and keeps the prompt off the screen; takes the
 * process group the shell under sudo prints first (SUDO_GROUP_MARK) off the output. Each stream is decoded on
 * its own, and a chunk that ends with the start of the prompt or the mark is held back until the
 * next one shows whether it follows (one split over two reads is still found).
 */
class SudoResponder {
  private prompts = 0;
  private missing = false;
  /** The process group of the shell sudo started, once it has said it. */
  innerGroup: number | undefined;
  private readonly streams = {
    stdout: { decoder: new TextDecoder(), held: "" },
    stderr: { decoder: new TextDecoder(), held: "" },
  };
  /** While the password is being asked for on the terminal, keystrokes are not passed through. */
  asking = false;

  constructor(private readonly host: Host, private readonly enabled: boolean) {}

  /** Remove prompts from a chunk of output, answering the first; returns what is left to show. */
  filter(name: "stdout" | "stderr", chunk: Uint8Array, proc: Pick<ExecProcess, "write" | "end">): string | Uint8Array {
    if (!this.enabled) return chunk;
    const stream = this.streams[name];
    let text = stream.held + stream.decoder.decode(chunk, { stream: true });
    if (this.innerGroup === undefined) text = this.takeGroup(text);
    const parts = text.split(SUDO_PROMPT);
    for (let i = 1; i < parts.length; i++) this.answer(proc);
    const last = parts.at(-1)!;
    const keep = Math.max(heldPrefix(last, SUDO_PROMPT), this.innerGroup === undefined ? heldMark(last) : 0);
    stream.held = last.slice(last.length - keep);
    parts[parts.length - 1] = last.slice(0, last.length - keep);
    return parts.join("");
  }

  /** `text` without the first complete group mark in it, which sets innerGroup. */
  private takeGroup(text: string): string {
    const at = text.indexOf(SUDO_GROUP_MARK);
    const end = at < 0 ? -1 : text.indexOf("\x1e", at + SUDO_GROUP_MARK.length);
    if (end < 0) return text;
    const group = Number(text.slice(at + SUDO_GROUP_MARK.length, end));
    if (Number.isInteger(group) && group > 1) this.innerGroup = group;
    return text.slice(0, at) + text.slice(end + 1);
  }

  /** What is still held back once the command has ended. */
  flush(name: "stdout" | "stderr"): string {
    const stream = this.streams[name];
    const rest = stream.held + stream.decoder.decode();
    stream.held = "";
    return rest;
  }

  private answer(proc: Pick<ExecProcess, "write" | "end">): void {
    this.prompts++;
    // A second prompt means the password was refused: end-of-file makes sudo give up at once
    // instead of retrying with a delay.
    if (this.prompts > 1) return proc.end();
    this.asking = true;
    void this.host.sudoPassword().then((password) => {
      this.asking = false;
      if (password === undefined) {
        this.missing = true;
        proc.end();
      } else {
        proc.write(`${password}\n`);
      }
    });
  }

  /** Throw if sudo asked more than once (the password was wrong) or there was none to give. */
  check(): void {
    const name = this.host.name;
    if (this.missing) throw new DeployerException(`sudo on ${name} needs a password: set \`password\` on the host class (there is no terminal to ask on)`);
    if (this.prompts > 1) throw new DeployerException(`sudo on ${name} refused the password`);
  }
}
