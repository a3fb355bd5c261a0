// The SCP shell: browse, view, edit and copy files between this machine and one host.
import { homedir } from "node:os";
import { posix } from "node:path";
import { colorize, Console, FileError, LocalHost, shellQuote, type Host, type Pty } from "../engine/index.ts";
import { LineEditor, type Candidate, type Completion } from "../shell/_editor.ts";
import * as D from "../shell/_document.ts";
import { History } from "../shell/_history.ts";
import { splitWords, quoteWord } from "../shell/_words.ts";
import { closest } from "../shell/_nav.ts";
import { hasGlob, isLocalDir, listLocal, localPath, remotePath, RemoteListings, tildify, type Entry } from "./_paths.ts";
import { transfer, type Side, type TransferFlags } from "./_transfer.ts";

export interface ScpShellOptions {
  host: Host;
  pty: Pty;
  color: boolean;
  localCwd: string;
  historyFile?: string;
}

type PathKind = "dir" | "file" | "any";
type ArgSpec = { side: "remote" | "local"; kind: PathKind } | "put" | "get" | "none";

interface ScpCommand {
  name: string;
  help: string;
  args: ArgSpec;
  run(shell: ScpShell, args: string[]): Promise<void | "exit">;
}

/** A file shell on one host: `local:~/src ~ web1:/etc/nginx > `. */
export class ScpShell {
  remoteCwd = "/";
  remoteHome = "/";
  localCwd: string;
  readonly host: Host;
  readonly local: Host;
  readonly listings: RemoteListings;
  private readonly editor: LineEditor;

  constructor(readonly config: ScpShellOptions) {
    this.host = config.host;
    this.localCwd = config.localCwd;
    this.local = new LocalHost().attach(config.host.session);
    this.listings = new RemoteListings(this.host);
    const io = {
      input: config.pty.stdin as never,
      output: config.pty.stdout as never,
      width: () => config.pty.getWidth(),
    };
    this.editor = new LineEditor(io, new History(config.historyFile), (d) => this.complete(d), (items) => this.console.inColumns(items));
  }

  get console(): Console {
    return new Console(this.config.pty);
  }

  print(text = ""): void {
    this.config.pty.stdout.write(`${text}\n`);
  }

  paint(text: string, color: Parameters<typeof colorize>[1]): string {
    return this.config.color ? colorize(text, color) : text;
  }

  prompt(): string {
    const local = tildify(this.localCwd, homedir());
    const remote = tildify(this.remoteCwd, this.remoteHome);
    return `${this.paint("local:", "yellow")}${local}${this.paint(" ~ ", "cyan")}${this.paint(`${this.host.name}:`, "yellow")}${remote}${this.paint(" > ", "cyan")}`;
  }

  /** Connect, start in the remote home, and read commands until exit or Ctrl-D. */
  async run(): Promise<void> {
    this.remoteHome = await this.host.getStartPath();
    this.remoteCwd = this.remoteHome;
    for (;;) {
      const result = await this.editor.read(this.prompt());
      if (result.kind === "eof") return;
      const { words, openQuote } = splitWords(result.text);
      if (openQuote) {
        this.print(`unterminated ${openQuote} quote`);
        continue;
      }
      if (!words.length) continue;
      const [name, ...args] = words.map((w) => w.value);
      const command = SCP_COMMANDS.find((c) => c.name === name);
      if (!command) {
        const suggestions = closest(name!, SCP_COMMANDS.map((c) => c.name));
        this.print(`Unknown command "${name}".${suggestions.length ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?` : " Type help for the list."}`);
        continue;
      }
      try {
        if (await command.run(this, args) === "exit") return;
      } catch (error) {
        this.print(`${this.paint("error:", "red")} ${(error as Error).message}`);
      }
    }
  }

  remote(typed: string): string {
    return remotePath(typed, this.remoteCwd, this.remoteHome);
  }

  local_(typed: string): string {
    return localPath(typed, this.localCwd);
  }

  /** Completion: commands first, then paths on the side each argument belongs to. */
  complete(d: D.Document): Completion | Promise<Completion> {
    const { words } = splitWords(D.before(d), { trailingEmpty: true });
    const last = words.at(-1)!;
    if (words.length === 1) {
      const candidates = SCP_COMMANDS.filter((c) => c.name.startsWith(last.value)).map((c) => ({
        text: c.name,
        display: this.paint(c.name, typeof c.args === "object" ? (c.args.side === "local" ? "green" : "yellow") : "cyan"),
      }));
      return { start: last.start, candidates };
    }
    const command = SCP_COMMANDS.find((c) => c.name === words[0]!.value);
    if (!command || command.args === "none") return { start: last.start, candidates: [] };
    const spec = typeof command.args === "object" ? command.args
      : command.args === "put" ? { side: "local" as const, kind: "any" as const }
      : { side: "remote" as const, kind: "any" as const };
    const part = last.value;
    const slash = part.lastIndexOf("/");
    const dirTyped = slash >= 0 ? part.slice(0, slash + 1) : "";
    const prefix = part.slice(slash + 1);
    const build = (entries: Entry[]): Completion => ({
      start: last.start,
      candidates: entries
        .filter((e) => e.name.startsWith(prefix) && (spec.kind !== "dir" || e.isDir) && (!e.name.startsWith(".") || prefix.startsWith(".")))
        .map((e): Candidate => ({
          text: quoteWord(dirTyped + e.name + (e.isDir ? "/" : "")),
          display: e.isDir ? this.paint(`${e.name}/`, "blue") : e.name,
          final: !e.isDir,
        })),
    });
    if (spec.side === "local") return build(listLocal(this.local_(dirTyped || ".")));
    return this.listings.list(this.remote(dirTyped || ".")).then(build, () => ({ start: last.start, candidates: [] }));
  }

  /** Copy files; see `put` and `get` in the command table. */
  copy(direction: "put" | "get", args: string[]): Promise<void> {
    const flags: TransferFlags = { recursive: false, force: false, sudo: false };
    const paths: string[] = [];
    for (const arg of args) {
      if (arg === "-r") flags.recursive = true;
      else if (arg === "-f") flags.force = true;
      else if (arg === "--sudo") flags.sudo = true;
      else if (arg.startsWith("-") && arg.length > 1) throw new Error(`unknown option ${arg} (${direction} takes -r, -f, --sudo)`);
      else paths.push(arg);
    }
    if (!paths.length) throw new Error(`usage: ${direction} [-r] [-f] [--sudo] SOURCE... [TARGET]`);
    const target = paths.length > 1 && !hasGlob(paths.at(-1)!) ? paths.pop()! : undefined;
    const from: Side = direction === "put" ? this.localSide() : this.remoteSide();
    const to: Side = direction === "put" ? this.remoteSide() : this.localSide();
    return transfer(this, from, to, paths, target, flags);
  }

  localSide(): Side {
    return { kind: "local", name: "local", host: this.local, resolve: (p) => this.local_(p), cwd: this.localCwd };
  }

  remoteSide(): Side {
    return { kind: "remote", name: this.host.name, host: this.host, resolve: (p) => this.remote(p), cwd: this.remoteCwd };
  }
}

async function changeRemoteDir(shell: ScpShell, args: string[]): Promise<void> {
  const target = shell.remote(args[0] ?? "~");
  const fs = await shell.host.files();
  const stat = await fs.stat(target).catch((error: FileError) => {
    throw new Error(error.code === "ENOENT" ? `no such directory on ${shell.host.name}: ${target}` : error.message);
  });
  if (!stat.isDir) throw new Error(`not a directory on ${shell.host.name}: ${target}`);
  shell.remoteCwd = target;
  shell.listings.invalidate(target);
}

function changeLocalDir(shell: ScpShell, args: string[]): void {
  const target = shell.local_(args[0] ?? "~");
  if (!isLocalDir(target)) throw new Error(`no such local directory: ${target}`);
  shell.localCwd = target;
}

function one(args: string[], what: string): string {
  if (args.length !== 1) throw new Error(`usage: ${what}`);
  return args[0]!;
}

async function statLine(shell: ScpShell, host: Host, path: string): Promise<void> {
  const fs = await host.files();
  const s = await fs.stat(path).catch((error: FileError) => {
    throw new Error(error.code === "ENOENT" ? `no such file: ${path}` : error.message);
  });
  shell.print(`${path}\n  type:  ${s.isDir ? "directory" : s.isFile ? "file" : "other"}\n  size:  ${s.size} bytes\n  owner: ${s.uid}:${s.gid}\n  mode:  ${(s.mode & 0o7777).toString(8).padStart(4, "0")}`);
}

async function view(shell: ScpShell, host: Host, path: string): Promise<void> {
  const file = await host.open(path, "r");
  const text = String(await file.read());
  await file.close();
  await shell.console.lesspipe(text.replace(/\n$/, "").split("\n"));
}

function listing(shell: ScpShell, entries: Entry[]): string[] {
  const items = entries.filter((e) => !e.name.startsWith(".")).map((e) => (e.isDir ? shell.paint(`${e.name}/`, "blue") : e.name));
  return items.length ? shell.console.inColumns(items) : ["(empty)"];
}

/**
 * The editor to start: the user's $EDITOR (a command line, as git uses it: `code -w` works), else
 * the host's $EDITOR, else vim.
 */
const editorCommand = (file: string) => `${process.env.EDITOR ? process.env.EDITOR : '"${EDITOR:-vim}"'} ${shellQuote(file)}`;

export const SCP_COMMANDS: readonly ScpCommand[] = [
  { name: "cd", help: "change the remote directory (paths, .., ~)", args: { side: "remote", kind: "dir" }, run: (s, a) => changeRemoteDir(s, a) },
  { name: "pwd", help: "print the remote directory", args: "none", run: async (s) => s.print(s.remoteCwd) },
  {
    name: "ls", help: "list the remote directory", args: { side: "remote", kind: "dir" },
    async run(s, a) {
      const dir = s.remote(a[0] ?? ".");
      s.listings.invalidate(dir);
      await s.console.lesspipe(listing(s, await s.listings.list(dir)));
    },
  },
  { name: "stat", help: "show a remote file's type, size, owner and mode", args: { side: "remote", kind: "any" }, run: (s, a) => statLine(s, s.host, s.remote(one(a, "stat PATH"))) },
  { name: "view", help: "page through a remote file", args: { side: "remote", kind: "file" }, run: (s, a) => view(s, s.host, s.remote(one(a, "view FILE"))) },
  {
    name: "edit", help: "edit a remote file on the host ($EDITOR, else vim)", args: { side: "remote", kind: "file" },
    async run(s, a) {
      const file = s.remote(one(a, "edit FILE"));
      await s.host.cd(posix.dirname(file)).run(editorCommand(file), { interactive: true });
      s.listings.invalidate(posix.dirname(file));
    },
  },
  { name: "connect", help: "open a shell on the host in the remote directory", args: "none", run: (s) => s.host.cd(s.remoteCwd).startInteractiveShell() },
  { name: "lcd", help: "change the local directory", args: { side: "local", kind: "dir" }, run: async (s, a) => changeLocalDir(s, a) },
  { name: "lpwd", help: "print the local directory", args: "none", run: async (s) => s.print(s.localCwd) },
  {
    name: "lls", help: "list the local directory", args: { side: "local", kind: "dir" },
    run: async (s, a) => s.console.lesspipe(listing(s, listLocal(s.local_(a[0] ?? ".")))),
  },
  { name: "lstat", help: "show a local file's type, size, owner and mode", args: { side: "local", kind: "any" }, run: (s, a) => statLine(s, s.local, s.local_(one(a, "lstat PATH"))) },
  { name: "lview", help: "page through a local file", args: { side: "local", kind: "file" }, run: (s, a) => view(s, s.local, s.local_(one(a, "lview FILE"))) },
  {
    name: "ledit", help: "edit a local file ($EDITOR, else vim)", args: { side: "local", kind: "file" },
    run: async (s, a) => { await s.local.cd(s.localCwd).run(editorCommand(s.local_(one(a, "ledit FILE"))), { interactive: true }); },
  },
  { name: "lconnect", help: "open a local shell in the local directory", args: "none", run: (s) => s.local.cd(s.localCwd).startInteractiveShell() },
  { name: "put", help: "upload: put [-r] [-f] [--sudo] LOCAL... [REMOTE]", args: "put", run: (s, a) => s.copy("put", a) },
  { name: "get", help: "download: get [-r] [-f] [--sudo] REMOTE... [LOCAL]", args: "get", run: (s, a) => s.copy("get", a) },
  { name: "clear", help: "clear the screen", args: "none", run: async (s) => { s.config.pty.stdout.write("\x1b[2J\x1b[H"); } },
  {
    name: "help", help: "list the commands", args: "none",
    async run(s) {
      for (const c of SCP_COMMANDS) s.print(`${s.paint(c.name.padEnd(9), "cyan")} ${c.help}`);
    },
  },
  { name: "exit", help: "leave the SCP shell (Ctrl-D does the same)", args: "none", run: async () => "exit" },
];

