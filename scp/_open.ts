// Opening the SCP shell on one host of a node: the only one, or the one the user picks.
import { Console, type Host, type Node, type Pty } from "../engine/index.ts";
import { ScpShell } from "./_scp.ts";

/** Pick a host of `node` (asking when there are several) and run the SCP shell on it. */
export async function openScpShell(node: Node, options: { pty: Pty; color: boolean; localCwd: string; historyFile?: string }): Promise<void> {
  const hosts: Host[] = [...node.hosts];
  const write = (text: string): void => { options.pty.stdout.write(`${text}\n`); };
  if (!hosts.length) return write("No hosts found at this node.");
  const host = hosts.length === 1
    ? hosts[0]!
    : await new Console(options.pty).choice("Open the SCP shell on which host?", hosts.map((h) => [h.name, h] as const), { allowRandom: true });
  await new ScpShell({ host, ...options }).run();
}
