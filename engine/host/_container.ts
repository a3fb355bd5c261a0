// HostsContainer: the hosts of a node, by role; runs commands on all of them at once.
import { DeployerException } from "../exceptions.ts";
import type { Host, HostClass, HostSession, RunOptions } from "./_host.ts";
import { EMPTY_CONTEXT, mergeContexts, runScoped, type HostContext } from "./_context.ts";
import { ContextScoped } from "./_scoped.ts";
import type { OpenMode, RemoteFile, Stat, TransferOptions } from "./_files.ts";
import type { DirectoryCopy, DirectoryOptions } from "./_directories.ts";
import type { IfConfig } from "../_network.ts";
import { DEFAULT_PARALLEL, runInLanes } from "../_lanes.ts";
import { currentRoute, newRoute } from "../_terminal.ts";

/** What a `Hosts` field may hold: role name → a host class, or an array or Set of them. */
export type HostsDefinition = Record<string, HostClass | Iterable<HostClass> | HostsContainer | HostContainer>;

/** Role name → host classes, in declaration order. */
export type RoleMap = Map<string, HostClass[]>;

/** What containers need from the run they belong to. */
export type ContainerSession = HostSession & { pool: HostPool };

/** One Host instance per host class for a whole run, so connections are shared. */
export class HostPool {
  private readonly hosts = new Map<HostClass, Host>();

  get(cls: HostClass, session: HostSession): Host {
    let host = this.hosts.get(cls);
    if (!host) {
      host = new cls().attach(session);
      this.hosts.set(cls, host);
    }
    return host;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.hosts.values()].map((host) => host.close()));
  }
}

/** A command failed on some hosts; `outcomes` has every host's output or error. */
export class HostsFailed extends DeployerException {
  override readonly code = "HOSTS_FAILED";
  override name = "HostsFailed";
  constructor(readonly outcomes: Array<{ host: string } & ({ ok: true; value: unknown } | { ok: false; error: unknown })>) {
    const failed = outcomes.filter((o) => !o.ok) as Array<{ host: string; error: unknown }>;
    super(`failed on ${failed.length} of ${outcomes.length} hosts: ${failed.map((o) => (o.error instanceof Error ? o.error.message : String(o.error))).join("; ")}`);
  }
}

/** What every host container has: roles, host lookup, iteration. */
abstract class Container extends ContextScoped {
  protected readonly roleMap: RoleMap;
  protected readonly session: ContainerSession;
  /** The context a derived handle (`hosts.cd(p)`) adds to its hosts' commands. */
  protected extra: HostContext = EMPTY_CONTEXT;

  constructor(roles: RoleMap, session: ContainerSession) {
    super();
    this.roleMap = roles;
    this.session = session;
  }

  /** A copy of this container whose hosts also run in `context`. */
  protected derive(context: HostContext): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(copy, this);
    copy.extra = mergeContexts(this.extra, context);
    return copy;
  }

  protected scope<T>(update: (context: HostContext) => HostContext, fn: (() => T) | undefined): this | Promise<Awaited<T>> {
    if (!fn) return this.derive(update(EMPTY_CONTEXT));
    const extra = this.extra;
    const hosts = this.baseInstances();
    return runScoped(hosts, (outer) => update(mergeContexts(outer, extra)), async (): Promise<Awaited<T>> => await fn());
  }

  /** Role names, sorted. */
  get roles(): string[] {
    return [...this.roleMap.keys()].sort();
  }

  /** The distinct host classes, in role then declaration order. */
  getHostClasses(): HostClass[] {
    return [...new Set([...this.roleMap.values()].flat())];
  }

  /** The host classes as a Set. */
  getHosts(): Set<HostClass> {
    return new Set(this.getHostClasses());
  }

  /** Role name → Set of host classes. */
  getHostsAsDict(): Record<string, Set<HostClass>> {
    return Object.fromEntries([...this.roleMap].map(([role, classes]) => [role, new Set(classes)]));
  }


  get length(): number {
    return this.getHostClasses().length;
  }

  /** The Host instances, shared with every other container of this run. */
  private baseInstances(): Host[] {
    return this.getHostClasses().map((cls) => this.session.pool.get(cls, this.session));
  }

  /** The hosts, as handles carrying this container's own context. */
  protected instances(): Host[] {
    const hosts = this.baseInstances();
    return this.extra === EMPTY_CONTEXT ? hosts : hosts.map((host) => host.withContext(this.extra));
  }

  [Symbol.iterator](): Iterator<Host> {
    return this.instances()[Symbol.iterator]();
  }

  /** The i-th host. */
  at(index: number): Host {
    const host = this.instances().at(index);
    if (!host) throw new RangeError(`no host at index ${index} (there are ${this.length})`);
    return host;
  }

}

/** The hosts of a node, grouped by role. Commands run on every host concurrently. */
export class HostsContainer extends Container {
  /** The hosts of the given roles only. */
  filter(...roles: string[]): HostsContainer {
    return new HostsContainer(new Map(roles.map((role) => [role, this.roleMap.get(role) ?? []])), this.session);
  }

  /** Run on every host at once; resolves to the outputs in host order. */
  run(command: string, options?: RunOptions): Promise<string[]> {
    return this.onAll((host) => host.run(command, options), shows(options));
  }

  /** Run through sudo on every host at once. */
  sudo(command: string, options?: RunOptions): Promise<string[]> {
    return this.onAll((host) => host.sudo(command, options), shows(options));
  }

  /** Whether `path` exists on each host. */
  exists(path: string, options?: { useSudo?: boolean }): Promise<boolean[]> {
    return this.onAll((host) => host.exists(path, options));
  }

  /** The working directory on each host. */
  getcwd(): Promise<string[]> {
    return this.onAll((host) => host.getcwd());
  }

  /** Whether each host has `command`. */
  hasCommand(command: string): Promise<boolean[]> {
    return this.onAll((host) => host.hasCommand(command));
  }

  /**
   * `fn` on every host at once; results in host order; one failure never hides another host's result.
   * Output shown from several hosts goes to one lane per host (see runInLanes).
   */
  private async onAll<T>(fn: (host: Host) => Promise<T>, visible = false): Promise<T[]> {
    const hosts = this.instances();
    const settled = visible && hosts.length > 1
      ? await runInLanes(hosts.map((h) => h.name), hosts.map((h) => () => fn(h)), this.session.route ?? newRoute(this.session.pty), { limit: this.session.parallel, summary: !currentRoute()?.pty.hostLabel })
      : await limited(hosts.map((h) => () => fn(h)), this.session.parallel);
    if (settled.every((s) => s.status === "fulfilled")) return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
    if (hosts.length === 1) throw (settled[0] as PromiseRejectedResult).reason;
    throw new HostsFailed(settled.map((s, i) => s.status === "fulfilled"
      ? { host: hosts[i]!.name, ok: true as const, value: s.value }
      : { host: hosts[i]!.name, ok: false as const, error: s.reason }));
  }
}

/** Whether a command's output is shown (so several hosts need lanes). */
function shows(options: RunOptions | undefined): boolean {
  return !options?.silent && options?.interactive !== false;
}

/** Run `tasks` with at most `limit` at once; every result settled, in order. */
export async function limited<T>(tasks: ReadonlyArray<() => Promise<T>>, limit = DEFAULT_PARALLEL): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await tasks[index]!() };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}

/** The one host of an isolated ParallelNode cell (`this.host`): run/sudo return that host's output. */
export class HostContainer extends Container {
  constructor(readonly hostClass: HostClass, session: ContainerSession) {
    super(new Map([["host", [hostClass]]]), session);
  }

  /** The Host instance (a handle carrying this container's context). */
  get instance(): Host {
    return this.instances()[0]!;
  }

  exists(path: string, options?: { useSudo?: boolean }): Promise<boolean> {
    return this.instance.exists(path, options);
  }

  getcwd(): Promise<string> {
    return this.instance.getcwd();
  }

  hasCommand(command: string): Promise<boolean> {
    return this.instance.hasCommand(command);
  }

  open(path: string, mode?: OpenMode, options?: { useSudo?: boolean }): Promise<RemoteFile> {
    return this.instance.open(path, mode, options);
  }

  putFile(localPath: string, remotePath: string, options?: TransferOptions): Promise<void> {
    return this.instance.putFile(localPath, remotePath, options);
  }

  getFile(remotePath: string, localPath: string, options?: TransferOptions): Promise<void> {
    return this.instance.getFile(remotePath, localPath, options);
  }

  putDirectory(localPath: string, remotePath: string, options?: DirectoryOptions): Promise<DirectoryCopy> {
    return this.instance.putDirectory(localPath, remotePath, options);
  }

  getDirectory(remotePath: string, localPath: string, options?: DirectoryOptions): Promise<DirectoryCopy> {
    return this.instance.getDirectory(remotePath, localPath, options);
  }

  stat(path: string): Promise<Stat> {
    return this.instance.stat(path);
  }

  listdir(path?: string): Promise<string[]> {
    return this.instance.listdir(path);
  }

  listdirStat(path?: string): Promise<Stat[]> {
    return this.instance.listdirStat(path);
  }

  expandPath(path: string): Promise<string> {
    return this.instance.expandPath(path);
  }

  getStartPath(): Promise<string> {
    return this.instance.getStartPath();
  }

  startInteractiveShell(command?: string, initialInput?: string): Promise<void> {
    return this.instance.startInteractiveShell(command, initialInput);
  }

  ifconfig(): Promise<IfConfig> {
    return this.instance.ifconfig();
  }

  getIpAddress(interfaceName?: string): Promise<string | undefined> {
    return this.instance.getIpAddress(interfaceName);
  }

  get slug(): string {
    return this.instance.name;
  }

  run(command: string, options?: RunOptions): Promise<string> {
    return this.instance.run(command, options);
  }

  sudo(command: string, options?: RunOptions): Promise<string> {
    return this.instance.sudo(command, options);
  }
}
