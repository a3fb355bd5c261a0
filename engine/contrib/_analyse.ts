// AnalyseHost: which nodes of the whole tree use a host, and in which roles.
import { ParallelNode } from "../node/_node.ts";
import { alias, suppressActionResult } from "../node/_decorators.ts";
import { Inspector } from "../node/_inspector.ts";
import { print } from "./_config.ts";

/** A node that uses the analysed host: its dotted path and the roles the host has there. */
export interface HostUse {
  path: string;
  roles: string[];
}

/** Shows, for each of its hosts, every node of the tree whose roles include that host. */
export class AnalyseHost extends ParallelNode {
  /**
   * Walk the tree from the root (with a progress bar) and print `<dotted path> :: <roles>` for each
   * node where this host has a role; resolves to the same as data.
   */
  @suppressActionResult
  @alias("analyise", "default")
  async analyse(): Promise<HostUse[]> {
    const hostClass = this.host.hostClass;
    const uses: HostUse[] = [];
    const bar = this.console.progressBar("Looking for nodes");
    try {
      for (const node of new Inspector(new Inspector(this).getRoot()).walk()) {
        bar.next();
        const roles = Object.entries(node.hosts.getHostsAsDict())
          .filter(([, hosts]) => hosts.has(hostClass))
          .map(([role]) => role)
          .sort();
        if (roles.length > 0) uses.push({ path: new Inspector(node).getFullName(), roles });
      }
    } finally {
      bar.finish();
    }
    for (const use of uses) print(this, `${use.path} :: ${use.roles.join(", ")}\n`);
    return uses;
  }
}
