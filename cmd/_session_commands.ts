// What the shell gains in a shared session: `new` (and Ctrl-N) opens another shell at the same node.
import * as engine from "../engine/index.ts";
import type { ShellOptions } from "../shell/index.ts";
import type { Client, SessionServer } from "./_server.ts";

export function sessionCommands(server: SessionServer, client: Client, windows: boolean): Pick<ShellOptions, "extraCommands" | "keyBindings"> {
  return {
    keyBindings: windows ? { n: "new" } : {},
    extraCommands: [{
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
