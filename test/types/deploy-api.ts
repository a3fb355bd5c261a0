// Type-level tests of the public API, checked by `tsc --noEmit` (test/e2e/typecheck.test.ts).
// Each @ts-expect-error line must be an error: if the types grew loose, tsc reports it unused.
import {
  LocalHost, Node, ParallelNode, child, arrayOf, requiredProperty, Q, query, type ParallelActionResult,
} from "deployer";

class Local1 extends LocalHost { slug = "local1"; }

class Git extends Node {
  repository = requiredProperty<string>("git URL");
  async checkout(commit: string): Promise<number> {
    const url: string = this.repository;
    const outputs: string[] = await this.hosts.run(`git clone ${url} && git checkout ${commit}`);
    return outputs.length;
  }
}

class Web extends ParallelNode {
  git = child(Git);
  home = query<string>(Q.parent.home);
  async deploy(version: string): Promise<number> {
    await this.git.checkout(version);
    const out: string = await this.host.sudo(`systemctl restart app # ${this.home.toUpperCase()}`);
    // @ts-expect-error: checkout takes a string
    await this.git.checkout(1);
    return out.length;
  }
}

export default class Root extends Node {
  Hosts = { host: [Local1] };
  home = "/srv";
  web = child(arrayOf(Web));
  git = child(Git);

  async go(): Promise<void> {
    const perHost: ParallelActionResult<number> = await this.web.deploy("v1");
    const one: number = await this.web.at(0).deploy("v1");
    for (const cell of this.web) {
      const n: number = await cell.deploy("v2");
      void n;
    }
    void perHost;
    void one;
    // @ts-expect-error: a ParallelNode seen from outside resolves per host, not to a plain number
    const wrong: number = await this.web.deploy("v1");
    // @ts-expect-error: no such action
    await this.git.push();
    // @ts-expect-error: containers have no such method
    this.hosts.nope();
    void wrong;
  }
}
