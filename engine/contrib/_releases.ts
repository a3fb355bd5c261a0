// Releases: Capistrano-style release directories per host, a `current` symlink switched atomically,
// pruning of old releases, rollback, and a deploy lock.
import { DeployerException, messageOf } from "../exceptions.ts";
import { ParallelNode } from "../node/_node.ts";
import { requiredProperty } from "../node/_required.ts";
import { shellQuote } from "../utils.ts";
import { acquireLock, describeHolder, LOCK_FILE, readLock, releaseLock, removeLock, type Shell } from "./_releases_lock.ts";
import { randomHex } from "../_builtins.ts";

export { DeployLocked, type LockInfo } from "./_releases_lock.ts";

/** A release's name: the host's UTC time, then `-02`, `-03`… for more releases in the same second. */
const RELEASE_NAME = /^(\d{8}T\d{6}Z)(?:-(\d+))?$/;

/**
 * Releases in `<deployTo>/releases/<UTC time>`, `<deployTo>/current` pointing at the live one, and
 * `<deployTo>/.deploy.lock` while a deploy or rollback runs. Subclasses fill a release in `build`.
 * Needs GNU coreutils on the host (`mv -T`, `stat -c`).
 */
export class Releases extends ParallelNode {
  /** The base directory on each host: absolute, or starting with `~` (the login user's home). */
  deployTo = requiredProperty<string>("the base directory of the releases, e.g. /srv/app");
  /** Releases kept after a deploy; older ones are removed, but never the current one or the one before it. */
  keepReleases = 5;
  /** A lock older than this (by the host's clock) is stale: a deploy asks whether to break it. */
  lockMaxAgeSeconds = 3600;
  /** Run every command of this node through sudo (for a deployTo the login user cannot write). */
  useSudo = false;
  /** Rollback removes the release it leaves, so that a later rollback can never come back to it. */
  removeRolledBack = true;

  /**
   * Override point: fill the new, empty release directory `release` (an absolute path, also the
   * working directory while this runs). `args` are the arguments given to `deploy`. Throw to abort
   * the deploy: the release is removed and `current` stays as it was.
   */
  async build(release: string, ...args: string[]): Promise<void> {}

  /**
   * Take the lock, build a new release, point `current` at it, prune old releases, release the lock.
   * Resolves to the new release's name.
   */
  async deploy(...args: string[]): Promise<string> {
    return await withLock(this, true, async (base, sh) => {
      const state = await readState(this, sh, base);
      const name = nextReleaseName(state.now, state.releases);
      const release = `${base}/releases/${name}`;
      await sh(`mkdir -- ${shellQuote(release)}`);
      try {
        await this.host.cd(release, () => this.build(release, ...args));
        await switchCurrent(sh, base, name);
      } catch (error) {
        await removeUnlessCurrent(sh, base, name).catch((cleanup) => {
          this.console.warning(`could not remove the unfinished release ${release}: ${messageOf(cleanup)}`);
        });
        throw error;
      }
      const prune = releasesToPrune([...state.releases, name], name, this.keepReleases);
      if (prune.length > 0) {
        // The new release is live: a failure here is worth a warning, not a failed deploy.
        await sh(`cd -- ${shellQuote(`${base}/releases`)} && rm -rf -- ${prune.map(shellQuote).join(" ")}`).catch((error) => {
          this.console.warning(`could not remove old releases ${prune.join(", ")}: ${messageOf(error)}`);
        });
      }
      return name;
    });
  }

  /**
   * Point `current` back at the release before it (under the lock). With `removeRolledBack` (the
   * default) the release left is removed. Resolves to the name of the release now current.
   */
  async rollback(): Promise<string> {
    return await withLock(this, false, async (base, sh) => {
      const state = await readState(this, sh, base);
      const current = state.current;
      if (current === undefined) throw new DeployerException(`nothing to roll back in ${base}: there is no current release`);
      const index = state.releases.indexOf(current);
      if (index < 0) throw new DeployerException(`${base}/current points at ${current}, which is not a release in ${base}/releases`);
      const previous = state.releases[index - 1];
      if (previous === undefined) throw new DeployerException(`cannot roll back ${base}: there is no release before ${current}`);
      await switchCurrent(sh, base, previous);
      if (this.removeRolledBack) await sh(`rm -rf -- ${shellQuote(`${base}/releases/${current}`)}`);
      return previous;
    });
  }

  /** The release names, oldest first; the live one is marked ` (current)`. */
  async releases(): Promise<string[]> {
    const base = await baseOf(this);
    const state = await readState(this, shellOf(this), base);
    return state.releases.map((name) => (name === state.current ? `${name} (current)` : name));
  }

  /** The name of the live release, or undefined before the first deploy. */
  async currentRelease(): Promise<string | undefined> {
    const base = await baseOf(this);
    return (await readState(this, shellOf(this), base)).current;
  }

  /** Remove the deploy lock by hand (after a deploy that died), once the user confirms. */
  async unlock(): Promise<string> {
    const base = await baseOf(this);
    const sh = shellOf(this);
    const path = `${base}/${LOCK_FILE}`;
    const info = await readLock(sh, base);
    if (!info) return `${base} is not locked`;
    if (!await this.console.confirm(`Remove ${path}, held by ${describeHolder(info)}?`, { default: false })) {
      return `kept ${path}`;
    }
    if (!await removeLock(sh, base, info.raw)) throw new DeployerException(`${path} changed while asking; not removed`);
    return `removed ${path} (held by ${describeHolder(info)})`;
  }
}

/** What a deploy or rollback starts from. */
interface State {
  /** The host's UTC time as a release name. */
  now: string;
  /** The release `current` points at (the last part of its target). */
  current?: string;
  /** Release names, oldest first; other entries of releases/ are ignored (and never removed). */
  releases: string[];
}

/** The node's commands: as the login user, or through sudo; output captured. */
function shellOf(node: Releases): Shell {
  return (command) => (node.useSudo ? node.host.sudo(command, { interactive: false }) : node.host.run(command, { interactive: false }));
}

function isSandbox(node: Releases): boolean {
  return node.host.instance.session.isSandbox;
}

/** `deployTo`, absolute, without a trailing slash. */
async function baseOf(node: Releases): Promise<string> {
  let dir = node.deployTo;
  if (dir.startsWith("~")) dir = await node.host.expandPath(dir);
  if (!dir.startsWith("/")) throw new DeployerException(`deployTo must be an absolute path or start with ~, not ${JSON.stringify(node.deployTo)}`);
  return dir.replace(/(.)\/+$/, "$1");
}

/** Run `work` holding the lock of the base directory; the lock is released whatever happens. */
async function withLock<T>(node: Releases, create: boolean, work: (base: string, sh: Shell) => Promise<T>): Promise<T> {
  const keep = node.keepReleases;
  if (!Number.isInteger(keep) || keep < 1) throw new DeployerException(`keepReleases must be a whole number of at least 1, not ${keep}`);
  const base = await baseOf(node);
  const sh = shellOf(node);
  const sandbox = isSandbox(node);
  const lock = await acquireLock(sh, node.console, { base, create, maxAgeSeconds: node.lockMaxAgeSeconds, sandbox });
  const release = async (): Promise<void> => {
    if (!await releaseLock(sh, lock) && !sandbox) node.console.warning(`${lock.path} was no longer this deploy's lock (someone broke it); left it alone`);
  };
  let result: T;
  try {
    result = await work(base, sh);
  } catch (error) {
    await release().catch((failure) => node.console.warning(`could not release ${lock.path}: ${messageOf(failure)}`));
    throw error;
  }
  await release();
  return result;
}

async function readState(node: Releases, sh: Shell, base: string): Promise<State> {
  const dir = shellQuote(base);
  const out = await sh([
    `echo "now=$(date -u +%Y%m%dT%H%M%SZ)"`,
    `[ -d ${dir} ] || exit 0`,
    `cd -- ${dir}`,
    `if [ -L current ]; then echo "current=$(readlink -- current)"; elif [ -e current ]; then echo not-a-link; fi`,
    `if [ -d releases ]; then ls -1A -- releases | sed 's/^/release=/'; fi`,
  ].join("\n"));
  if (isSandbox(node)) return { now: utcName(new Date()), releases: [] };
  const state: State = { now: "", releases: [] };
  for (const line of out.split("\n")) {
    if (line === "not-a-link") throw new DeployerException(`${base}/current exists but is not a symlink; move it out of the way first`);
    const at = line.indexOf("=");
    const [key, value] = [line.slice(0, at), line.slice(at + 1)];
    if (key === "now") state.now = value;
    else if (key === "current") state.current = value.replace(/\/+$/, "").split("/").at(-1);
    else if (key === "release" && RELEASE_NAME.test(value)) state.releases.push(value);
  }
  if (!RELEASE_NAME.test(state.now)) throw new DeployerException(`could not read the time on the host: ${JSON.stringify(out.slice(0, 200))}`);
  state.releases.sort(compareReleases);
  return state;
}

/** Point `current` at releases/`name`: a new symlink renamed over it, so it is never missing. */
async function switchCurrent(sh: Shell, base: string, name: string): Promise<void> {
  const target = shellQuote(`releases/${name}`);
  const temp = `current.tmp-${randomHex(4)}`;
  await sh(`cd -- ${shellQuote(base)} && { [ -d ${target} ] || { echo ${shellQuote(`${base}/releases/${name} is missing`)} >&2; exit 1; }; } && `
    + `ln -s -- ${target} ${temp} && { mv -T -- ${temp} current || { rm -f -- ${temp}; exit 1; }; }`);
}

/** Remove an unfinished release, unless `current` already points at it (a switch whose answer was lost). */
async function removeUnlessCurrent(sh: Shell, base: string, name: string): Promise<void> {
  const target = shellQuote(`releases/${name}`);
  await sh(`cd -- ${shellQuote(base)} && if [ "$(readlink -- current)" != ${target} ]; then rm -rf -- ${target}; fi`);
}

/** `20261123T101500Z` for that moment. */
export function utcName(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

/** Order of release names: by time, then by suffix (`-10` after `-09`). */
export function compareReleases(a: string, b: string): number {
  const [ta, na] = parseRelease(a);
  const [tb, nb] = parseRelease(b);
  return ta < tb ? -1 : ta > tb ? 1 : na - nb;
}

function parseRelease(name: string): [string, number] {
  const match = RELEASE_NAME.exec(name);
  return match ? [match[1]!, Number(match[2] ?? 1)] : [name, 0];
}

/**
 * The name of a new release made at `now` (a release name from the host's clock): later than every
 * existing one even if the clock stands still or goes back, by a suffix on the newest one's time.
 */
export function nextReleaseName(now: string, existing: readonly string[]): string {
  const newest = [...existing].sort(compareReleases).at(-1);
  let [time, n] = [now, 1];
  if (newest !== undefined && RELEASE_NAME.test(newest)) {
    const [newestTime, newestN] = parseRelease(newest);
    if (newestTime >= now) [time, n] = [newestTime, newestN + 1];
  }
  return n === 1 ? time : `${time}-${String(n).padStart(2, "0")}`;
}

/** Which releases to remove so that `keep` remain, never `current` or the one before it. */
export function releasesToPrune(releases: readonly string[], current: string | undefined, keep: number): string[] {
  const sorted = [...releases].sort(compareReleases);
  const index = current === undefined ? -1 : sorted.indexOf(current);
  const previous = index > 0 ? sorted[index - 1] : undefined;
  return sorted.slice(0, Math.max(0, sorted.length - keep)).filter((name) => name !== current && name !== previous);
}
