// Connect: an interactive shell on one of the node's hosts, as the login user or as root.
import { ParallelNode } from "../node/_node.ts";
import { alias, isolateOneOnly } from "../node/_decorators.ts";
import { print } from "./_config.ts";

export interface Connect {
  /**
   * Typed into the shell once it starts, e.g. `"cd /srv/app\n"` or a virtualenv activation
   * (undefined by default). A field or a getter; end it with a newline to run it.
   */
  initialInput?: string;
}

/**
 * Interactive shells on the node's hosts. With several hosts, each action asks which one (random
 * by default). The node's default action (naming the node in the shell) is `withHost`.
 */
export class Connect extends ParallelNode {
  /** A login shell as the host's user, with `initialInput` typed into it. */
  @isolateOneOnly
  @alias("default")
  async withHost(): Promise<void> {
    await this.host.startInteractiveShell(undefined, this.initialInput);
    print(this, "\n");
  }

  /**
   * A root shell, `sudo /bin/bash` (sudo's password answered from the host's `password`). Nothing is
   * typed into it: sudo reads its password from the same input.
   */
  @isolateOneOnly
  async asRoot(): Promise<void> {
    await this.host.sudo("/bin/bash", { interactive: true, ignoreExitStatus: true });
    print(this, "\n");
  }
}
