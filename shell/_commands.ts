// The shell's built-in commands: one table that both completion and dispatch read.
import { inspect } from "../engine/_builtins.ts";
import { Env, Inspector, queryLocation, type Node } from "../engine/index.ts";
import type { Candidate } from "./_editor.ts";
import { nodeLabel } from "./_nav.ts";
import type { Shell } from "./_shell.ts";
import { highlight, sourceOfClass } from "./_source.ts";
import { openScpShell } from "../scp/index.ts";

export interface Command {
  name: string;
  help: string;
  run(shell: Shell, args: string[]): Promise<void | "exit">;
  /** Candidates for the argument `part`, after `args`. */
  complete?(shell: Shell, args: string[], part: string): Candidate[];
}

const nodeArgs = (shell: Shell, args: string[], part: string) => shell.completeNodes(args, part);

/** The node named by `args` (relative to the current one), or a printed error. */
function target(shell: Shell, args: string[]): Node | undefined {
  const node = shell.walk(args);
  if (!node) shell.print(`${shell.paint("Unknown path:", "red")} ${args.join(" ")} (try ls, or Tab)`);
  return node;
}

export const COMMANDS: readonly Command[] = [
  {
    name: "cd",
    help: "go to a node: names, .. (parent), / (root), - (previous), :slug (an isolation)",
    async run(shell, args) {
      const node = target(shell, args);
      if (node) shell.cd(node);
    },
    complete: nodeArgs,
  },
  {
    name: "ls",
    help: "list the child nodes and actions here (or at a path)",
    async run(shell, args) {
      const node = target(shell, args);
      if (!node) return;
      const inspector = new Inspector(node);
      const lines: string[] = [];
      const children = inspector.getChildnodes().map((c) => (shell.color ? nodeLabel(c) : new Inspector(c).getName()));
      const actions = inspector.getActionNames().map((a) => (shell.color ? nodeLabel(node, a) : a) + "*");
      if (children.length) lines.push(shell.paint("Child nodes:", "cyan"), ...shell.console.inColumns(children));
      if (actions.length) lines.push(shell.paint("Actions:", "cyan"), ...shell.console.inColumns(actions));
      const attributes = [...inspector.getQueries().map((q) => `${q}?`), ...inspector.getProperties().map((p) => `${p}@`)];
      if (attributes.length) lines.push(shell.paint("Queries and properties:", "cyan"), ...shell.console.inColumns(attributes));
      if (!lines.length) lines.push("(nothing here)");
      await shell.console.lesspipe(lines);
    },
    complete: nodeArgs,
  },
  {
    name: "pwd",
    help: "print where you are",
    async run(shell) {
      const path = new Inspector(shell.state.node).getPath() as string[];
      shell.print(shell.paint("/", "cyan") + path.join(shell.paint(".", "cyan")));
    },
  },
  {
    name: "find",
    help: "list every action below here (or below a path)",
    async run(shell, args) {
      const node = target(shell, args);
      if (!node) return;
      const lines: string[] = [];
      const visit = (n: Node, prefix: string[]) => {
        const inspector = new Inspector(n);
        for (const action of inspector.getActionNames()) lines.push(` ${[...prefix, shell.color ? nodeLabel(n, action) : action].join(" ")}`);
        for (const child of inspector.getChildnodes()) visit(child, [...prefix, shell.color ? nodeLabel(child) : new Inspector(child).getName()]);
      };
      visit(node, []);
      await shell.console.lesspipe(lines.length ? lines : ["(no actions)"]);
    },
    complete: nodeArgs,
  },
  {
    name: "sandbox",
    help: "run an action with every command only syntax-checked (bash -n), nothing executed",
    async run(shell, args) {
      if (!args.length) return shell.print("usage: sandbox [node…] ACTION [ARG…]");
      await shell.runActionPath(args, true);
    },
    complete: (shell, args, part) => shell.complete({ text: [...args, part].join(" "), cursor: [...args, part].join(" ").length }).candidates,
  },
  {
    name: "--inspect",
    help: "describe a node, or an action, query or property of it (a query shows how it resolved)",
    async run(shell, args) {
      await inspectCommand(shell, args);
    },
    complete(shell, args, part) {
      const node = shell.walk(args);
      if (!node) return [];
      const inspector = new Inspector(node);
      const extra = [...inspector.getActionNames(), ...inspector.getQueries(), ...inspector.getProperties()]
        .filter((name) => name.startsWith(part)).map((name) => ({ text: name, display: name }));
      return [...shell.completeNodes(args, part), ...extra];
    },
  },
  {
    name: "--source-code",
    help: "show the source of the node's class",
    async run(shell, args) {
      const node = target(shell, args);
      if (!node) return;
      const source = sourceOfClass(node, shell.config.sourceFile);
      await shell.console.lesspipe((shell.color ? highlight(source) : source).split("\n"));
    },
    complete: nodeArgs,
  },
  {
    name: "--connect",
    help: "open an interactive shell on one of the node's hosts",
    async run(shell, args) {
      const node = target(shell, args);
      if (!node) return;
      const hosts = [...node.hosts];
      if (!hosts.length) return shell.print("No hosts found at this node.");
      const host = hosts.length === 1 ? hosts[0]! : await shell.console.choice("Connect to which host?", hosts.map((h) => [h.name, h] as const), { allowRandom: true });
      await shell.interruptible(host.startInteractiveShell());
    },
    complete: nodeArgs,
  },
  runCommand("--run", false),
  runCommand("--run-with-sudo", true),
  {
    name: "--scp",
    help: "open the SCP shell on one of the node's hosts",
    async run(shell, args) {
      const node = target(shell, args);
      if (!node) return;
      await openScpShell(node, { pty: shell.config.pty, color: shell.color, localCwd: process.cwd(), historyFile: shell.config.historyFile && `${shell.config.historyFile}.scp` });
    },
    complete: nodeArgs,
  },
  {
    name: "--version",
    help: "print the version",
    async run(shell) {
      shell.print(shell.versionLine());
    },
  },
  {
    name: "set-option",
    help: "set a shell option: set-option NAME VALUE",
    async run(shell, args) {
      const [name, value] = args;
      if (!name || !shell.options.has(name)) return shell.print(`Unknown option "${name ?? ""}". Options: ${[...shell.options.keys()].join(", ")}`);
      if (value !== "on" && value !== "off") return shell.print(`${name} takes on or off`);
      shell.options.set(name, value);
    },
    complete(shell, args, part) {
      const names = args.length === 0 ? [...shell.options.keys()] : args.length === 1 ? ["on", "off"] : [];
      return names.filter((n) => n.startsWith(part)).map((n) => ({ text: n, display: n }));
    },
  },
  {
    name: "show-options",
    help: "list the shell options",
    async run(shell) {
      for (const [name, value] of shell.options) shell.print(`${name.padEnd(20)} ${value}`);
    },
  },
  {
    name: "clear",
    help: "clear the screen",
    async run(shell) {
      shell.config.pty.stdout.write("\x1b[2J\x1b[H");
    },
  },
  {
    name: "help",
    help: "list the commands",
    async run(shell) {
      for (const command of shell.commands) shell.print(`${shell.paint(command.name.padEnd(16), "cyan")} ${command.help}`);
      shell.print(`\nType a node path and an action to run it, e.g. "web deploy v1.2". Tab completes; Ctrl-C stops a running action.`);
    },
  },
  {
    name: "return",
    help: "leave the subshell",
    async run(shell) {
      if (!shell.leaveSubshell()) shell.print("Not in a subshell.");
    },
  },
  {
    name: "exit",
    help: "leave the subshell, or the shell (Ctrl-D does the same)",
    async run(shell) {
      return shell.leaveSubshell() ? undefined : "exit";
    },
  },
];

function runCommand(name: "--run" | "--run-with-sudo", sudo: boolean): Command {
  return {
    name,
    help: `run a shell command on every host of the node${sudo ? " with sudo" : ""}`,
    async run(shell, args) {
      const node = target(shell, args);
      if (!node) return;
      const hosts = [...node.hosts];
      if (!hosts.length) return shell.print("No hosts found at this node. Nothing to execute.");
      shell.print(`Command will be executed on ${hosts.length} host${hosts.length === 1 ? "" : "s"}:`);
      for (const host of hosts) shell.print(`   - ${host.name}${"address" in host ? ` (${String(host.address)})` : ""}`);
      const command = await shell.console.input(sudo ? "[SUDO] Enter command" : "Enter command").catch(() => "");
      if (!command.trim()) return;
      await shell.interruptible(sudo ? node.hosts.sudo(command) : node.hosts.run(command));
    },
    complete: nodeArgs,
  };
}

async function inspectCommand(shell: Shell, args: string[]): Promise<void> {
  let node = shell.state.node;
  let attribute: string | undefined;
  for (const [i, word] of args.entries()) {
    const next = shell.walk([word], node);
    if (next) node = next;
    else if (i === args.length - 1) attribute = word;
    else return shell.print(`${shell.paint("Unknown path:", "red")} ${word}`);
  }
  const inspector = new Inspector(node);
  const lines: string[] = [];
  const heading = (text: string) => lines.push(shell.paint(text, "cyan"));
  if (attribute === undefined) {
    heading(`Node ${inspector.getFullName()}`);
    lines.push(`  class:  ${(node as object).constructor.name}`, `  group:  ${inspector.getGroup().name}`);
    if (inspector.isIsolated() && inspector.getIsolationIdentifier()) lines.push(`  isolated on: ${inspector.getIsolationIdentifier()}`);
    const roles = node.hosts.getHostsAsDict();
    heading("Hosts:");
    if (!Object.keys(roles).length) lines.push("  (none)");
    for (const role of Object.keys(roles).sort()) {
      const hosts = node.hosts.filter(role);
      lines.push(`  ${role}: ${[...hosts].map((h, i) => `${i}. ${h.name}${"address" in h ? ` (${String(h.address)})` : ""}`).join(", ") || "(none)"}`);
    }
    const actions = inspector.getActionNames();
    if (actions.length) heading("Actions:"), lines.push(...shell.console.inColumns(actions).map((l) => `  ${l}`));
    const children = inspector.getChildnodes().map((c) => new Inspector(c).getName());
    if (children.length) heading("Child nodes:"), lines.push(...shell.console.inColumns(children).map((l) => `  ${l}`));
    const queries = inspector.getQueries();
    if (queries.length) heading("Queries:"), lines.push(...queries.map((q) => `  ${q} = ${String(inspector.getQuery(q))}`));
    const properties = inspector.getProperties();
    if (properties.length) heading("Properties:"), lines.push(...properties.map((p) => `  ${p}`));
  } else if (inspector.hasQuery(attribute)) {
    const query = inspector.getQuery(attribute);
    heading(`Query ${inspector.getFullName()}.${attribute}`);
    lines.push(`  expression: ${String(query)}`);
    const where = queryLocation(query);
    if (where) lines.push(`  written at: ${where}`);
    try {
      const trace = await new Inspector(Env.sandboxed(node)).traceQuery(attribute);
      heading("Evaluated (sandboxed):");
      for (const [expression, value] of trace.walkThroughSubqueries()) lines.push(`  ${expression}  ${shell.paint("→", "cyan")} ${describeValue(value)}`);
    } catch (error) {
      lines.push(`  ${shell.paint("Failed to execute query:", "red")} ${(error as Error).message}`);
    }
  } else if (inspector.hasProperty(attribute)) {
    heading(`Property ${inspector.getFullName()}.${attribute}`);
    try {
      lines.push(`  value: ${describeValue(new Inspector(Env.sandboxed(node)).getProperty(attribute))}`);
    } catch (error) {
      lines.push(`  ${shell.paint("Failed to evaluate value:", "red")} ${(error as Error).message}`);
    }
  } else if (inspector.hasAction(attribute)) {
    const action = inspector.getAction(attribute);
    heading(`Action ${inspector.getFullName()}.${attribute}`);
    const flags = [action.suppressResult && "@suppressActionResult", action.dontIsolateYet && "@dontIsolateYet", action.isolateOneOnly && "@isolateOneOnly"].filter(Boolean);
    lines.push(`  node: ${inspector.getFullName()}`, `  decorators: ${flags.join(", ") || "none"}`);
  } else {
    return shell.print(`${shell.paint("Unknown:", "red")} ${inspector.getFullName()} has no node, action, query or property "${attribute}"`);
  }
  await shell.console.lesspipe(lines);
}

function describeValue(value: unknown): string {
  if (value instanceof Env) return `<node ${new Inspector(value as Node).getFullName()}>`;
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value)?.constructor?.name === "Object") return inspect(value, { depth: 2 });
  return typeof value === "object" && value !== null && "constructor" in value && (value as object).constructor.name !== "Object" && !Array.isArray(value)
    ? `<${(value as object).constructor.name}>`
    : inspect(value, { depth: 2 });
}
