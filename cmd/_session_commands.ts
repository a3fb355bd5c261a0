// What the shell gains in a shared session: `new` (and Ctrl-N) opens another shell at the same node,
// `open-monitor` a pane that follows what this terminal runs, `close-dead-panes` the panes kept open.
import * as engine from "../engine/index.ts";
import type { Command } from "../shell/_commands.ts";
import type { ShellOptions } from "../shell/index.ts";
import type { Client, SessionServer } from "./_server.ts";

export function sessionCommands(server: SessionServer, client: Client, windows: boolean): Pick<ShellOptions, "extraCommands" | "keyBindings"> {
  const noPanes = (shell: Parameters<Command["run"]>[0]) => shell.print("Not inside tmux, so there is no pane to open.");
  return {
    keyBindings: windows ? { n: "new" } : {},
    extraCommands: [{
      name: "open-monitor",
      help: "open a tmux pane beside this one that shows, as a tree, the actions and commands run from here as they run",
      async run(shell) {
        if (!windows) return noPanes(shell);
        if (!(await server.openMonitor(client))) shell.print("Could not open a tmux pane for the monitor.");
      },
    }, {
      name: "close-dead-panes",
      help: "close the panes kept open after their host's work (set-option keep-panes-open on)",
      async run(shell) {
        const closed = server.closeDeadPanes();
        shell.print(closed ? `Closed ${closed} pane${closed === 1 ? "" : "s"}.` : "No pane is waiting to be closed.");
      },
    }, {
      name: "new",
      help: "open another shell at this node, in a new tmux pane (Ctrl-N)",
      async run(shell) {
        if (!windows) {
          const where = new engine.Inspector(shell.state.node).getFullName();
          shell.print(`Not inside tmux, so there is no pane to open. To join this session (then cd to ${where}), run in another terminal:`);
          shell.print(`  deployer connect --socket ${server.socketPath}`);
          return;
        }
        shell.print("Opening a new pane...");
        server.openWindow(client, shell.state.node);
      },
    }],
  };
}
