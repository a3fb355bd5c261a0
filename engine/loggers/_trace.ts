// TraceLogger: records what ran as a tree of groups, commands and files; TracePrinter renders it.
import { indent } from "../utils.ts";
import { formatArgs, type FileEntry, type LogScope, type Logger, type RunEntry, type RunOutcome } from "./_interface.ts";

/** A group (an action call) and what happened inside it, in order. */
export interface TraceGroup {
  kind: "group";
  name: string;
  args: readonly unknown[];
  items: TraceItem[];
}

/** A command; `succeeded` and `exitCode` are set when it ends. */
export interface TraceRun {
  kind: "run";
  host: string;
  command: string;
  useSudo: boolean;
  sandbox: boolean;
  succeeded?: boolean;
  exitCode?: number | null;
}

/** A remote file opened; `succeeded` is set when it is closed. */
export interface TraceFile {
  kind: "file";
  host: string;
  mode: string;
  remotePath: string;
  localPath?: string;
  useSudo: boolean;
  succeeded?: boolean;
}

export type TraceItem = TraceGroup | TraceRun | TraceFile;

/** Records a tree of what ran, for reflection and tests. Concurrent branches land in their own groups. */
export class TraceLogger implements Logger {
  /** The root group; everything logged outside any group is in its items. */
  readonly trace: TraceGroup = { kind: "group", name: "root", args: [], items: [] };
  // Scope id → its group. Kept after the group ends, so a branch's late event still finds it.
  private readonly groups = new Map<number, TraceGroup>();

  /** What was logged at the top level. */
  get traces(): TraceItem[] {
    return this.trace.items;
  }

  /** The first thing logged at the top level, if any. */
  get firstTrace(): TraceItem | undefined {
    return this.trace.items[0];
  }

  enterGroup(name: string, args: readonly unknown[], scope: LogScope): void {
    const group: TraceGroup = { kind: "group", name, args, items: [] };
    this.groupOf(scope.parent).items.push(group);
    this.groups.set(scope.id, group);
  }

  logRun(entry: RunEntry): (succeeded: boolean, outcome?: RunOutcome) => void {
    const run: TraceRun = { kind: "run", host: entry.host, command: entry.command, useSudo: entry.useSudo, sandbox: entry.sandbox };
    this.groupOf(entry.scope).items.push(run);
    return (succeeded, outcome) => {
      run.succeeded = succeeded;
      if (outcome) run.exitCode = outcome.exitCode;
    };
  }

  logFileOpened(entry: FileEntry): (succeeded: boolean) => void {
    const file: TraceFile = { kind: "file", host: entry.host, mode: entry.mode, remotePath: entry.remotePath, useSudo: entry.useSudo };
    if (entry.localPath !== undefined) file.localPath = entry.localPath;
    this.groupOf(entry.scope).items.push(file);
    return (succeeded) => {
      file.succeeded = succeeded;
    };
  }

  /** The recorded group of `scope` or its nearest recorded ancestor (the logger may have been attached late). */
  private groupOf(scope: LogScope | undefined): TraceGroup {
    for (let s = scope; s; s = s.parent) {
      const group = this.groups.get(s.id);
      if (group) return group;
    }
    return this.trace;
  }
}

type Paint = (s: string) => string;
const plain: Paint = (s) => s;
const sgr = (on: string, off: string): Paint => (s) => `\x1b[${on}m${s}\x1b[${off}m`;

/**
 * Renders a trace as text: a group is `name(args)` followed by its items in a `[ … ]` block,
 * indented two spaces; commands are `run{ … }` (`sandbox{ … }` when sandboxed), files `open{ … }`.
 */
export class TracePrinter {
  constructor(private readonly trace: TraceGroup) {}

  print(options: { color?: boolean } = {}): string {
    const color = options.color ?? false;
    const paint = {
      func: color ? (s: string) => sgr("1", "22")(sgr("32", "39")(s)) : plain,
      call: color ? sgr("31", "39") : plain,
      key: color ? sgr("33", "39") : plain,
      param: color ? sgr("34", "39") : plain,
    };
    return printGroup(this.trace, paint);
  }
}

interface Palette { func: Paint; call: Paint; key: Paint; param: Paint }

function printGroup(group: TraceGroup, p: Palette): string {
  const head = p.func(`${group.name}(${formatArgs(group.args)})`);
  if (group.items.length === 0) return head;
  const body = group.items.map((item) => indent(printItem(item, p), "  ")).join("");
  return `${head}\n${p.func("[")}\n${body}${p.func("]")}`;
}

function printItem(item: TraceItem, p: Palette): string {
  switch (item.kind) {
    case "group":
      return printGroup(item, p);
    case "run":
      return printEntry(item.sandbox ? "sandbox" : "run", [
        ["host", item.host],
        ["sudo", String(item.useSudo)],
        ["command", item.command],
        ["status_code", typeof item.exitCode === "number" ? String(item.exitCode) : "unknown"],
      ], p);
    case "file":
      return printEntry("open", [
        ["host", item.host],
        ["sudo", String(item.useSudo)],
        ["mode", item.mode],
        ...(item.localPath === undefined ? [] : [["local", item.localPath] as [string, string]]),
        ["remote", item.remotePath],
        ["succeeded", item.succeeded === undefined ? "unknown" : String(item.succeeded)],
      ], p);
  }
}

/** `name{` then one ` key: value` line per field, `,`-separated, then `}`. Newlines in values show as `\n`. */
function printEntry(name: string, fields: [string, string][], p: Palette): string {
  const lines = fields.map(([key, value]) => `${p.key(` ${key}: `)}${p.param(value.replaceAll("\n", "\\n"))}`);
  return `${p.call(name)}${p.key("{")}\n${lines.join(`${p.key(",")}\n`)}\n${p.key("}")}`;
}
