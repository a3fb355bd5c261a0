// Git: a checkout of a repository on every host, with one action per git command, and GitOverview,
// which lists the commit every Git node of the tree has checked out.
import { DeployerException, ExecCommandFailed, messageOf } from "../exceptions.ts";
import { FRAMEWORK_MEMBERS, Node, ParallelNode } from "../node/_node.ts";
import { alias, dontIsolateYet, suppressActionResult } from "../node/_decorators.ts";
import { Inspector } from "../node/_inspector.ts";
import { IsInstance, PublicOnly } from "../node/_filters.ts";
import { shellQuote } from "../utils.ts";
import { print, requiredMembers } from "./_config.ts";

/**
 * What a generated action runs: the arguments after `git`, as shell text (so pipes work: they are
 * not quoted), and whether a non-zero exit is fine (quitting a pager early exits with 141).
 */
export type GitCommand = string | { readonly args: string; readonly ignoreExitStatus?: boolean };

/** The commands of Git's own actions. */
export const GIT_COMMANDS = {
  branch: "branch",
  describe: "describe",
  diff: "diff",
  log: "log",
  pull: "pull",
  reset: "reset --hard",
  show: { args: "show", ignoreExitStatus: true },
  showOneline: "show --oneline | head -n 1",
  stash: "stash",
  stashList: "stash list",
  stashPop: "stash pop",
  stashClear: "stash clear",
  status: "status",
  version: "version",
  whatchanged: { args: "whatchanged", ignoreExitStatus: true },
  headSha: "rev-parse HEAD",
} as const satisfies Record<string, GitCommand>;

/** The actions generated for a table of commands: each resolves to the command's output. */
export type GitActions<C> = { [K in keyof C]: () => Promise<string> };

/** A Git class (Git itself or a subclass). */
export type GitClass = new () => Git;

/** What `withCommands` returns: the class's statics, constructing instances with the new actions. */
export type WithGitCommands<T extends GitClass, C> = Omit<T, "prototype"> & (new () => InstanceType<T> & GitActions<C>);

/** What stash pop prints when there was nothing to pop: not a failure. */
const NOTHING_TO_POP = /No stash entries found|Nothing to apply|No stash found/;

export interface Git {
  /** The URL to clone from. Required: a field, a getter, or `x__repository`. */
  repository: string;
  /** Where the checkout lives on each host (`~` is the login user's home). Required. */
  repositoryLocation: string;
}

/**
 * A git checkout on every host of the node. Each git command of `Git.commands` is an action that
 * runs in the checkout, showing its output (the shell does not print the result again);
 * `checkout` clones when needed and moves every host to one commit. More commands:
 * `class App extends Git.withCommands({ lg: "log --graph --oneline" }) { … }`.
 */
export class Git extends ParallelNode {
  static {
    requiredMembers(this, {
      repository: "the URL of the git repository to clone",
      repositoryLocation: "the directory of the checkout on each host",
    });
  }

  /** The generated actions of this class: action name → git command. */
  static readonly commands: Readonly<Record<string, GitCommand>> = GIT_COMMANDS;

  /**
   * A subclass with one more action per entry of `commands` (action name → git arguments), added
   * to those of this class (an entry may replace one of them). Throws a TypeError for a name that
   * is already a member other than a git action.
   */
  static withCommands<T extends GitClass, C extends Record<string, GitCommand>>(this: T, commands: C): WithGitCommands<T, C> {
    const base = this as unknown as typeof Git;
    const inherited = base.commands;
    const fields = new Set(Object.keys(new base()));
    const derived = class extends base {};
    for (const [name, command] of Object.entries(commands)) {
      const taken = FRAMEWORK_MEMBERS.has(name) || fields.has(name) || (name in base.prototype && !(name in inherited));
      if (taken || name.includes("__")) {
        throw new TypeError(`${base.name}.withCommands: "${name}" cannot be a git action (${taken ? `${base.name} already has a member "${name}"` : "double underscores mean overrides"})`);
      }
      const action = async function (this: Git): Promise<string> {
        return await runGit(this, command);
      };
      Object.defineProperty(action, "name", { value: name });
      Object.defineProperty(derived.prototype, name, { value: suppressActionResult(action), writable: true, configurable: true });
    }
    Object.defineProperty(derived, "name", { value: base.name });
    Object.defineProperty(derived, "commands", { value: Object.freeze({ ...inherited, ...commands }) });
    return derived as unknown as WithGitCommands<T, C>;
  }

  /** The commit `checkout` offers when none is given (the original's default). */
  defaultRevision = "master";

  /** `git branch` */
  @suppressActionResult
  async branch(): Promise<string> { return await runGit(this, GIT_COMMANDS.branch); }

  /** `git describe` */
  @suppressActionResult
  async describe(): Promise<string> { return await runGit(this, GIT_COMMANDS.describe); }

  /** `git diff` */
  @suppressActionResult
  async diff(): Promise<string> { return await runGit(this, GIT_COMMANDS.diff); }

  /** `git log` */
  @suppressActionResult
  async log(): Promise<string> { return await runGit(this, GIT_COMMANDS.log); }

  /** `git pull` */
  @suppressActionResult
  async pull(): Promise<string> { return await runGit(this, GIT_COMMANDS.pull); }

  /** `git reset --hard` */
  @suppressActionResult
  async reset(): Promise<string> { return await runGit(this, GIT_COMMANDS.reset); }

  /** `git show` (quitting its pager early is fine) */
  @suppressActionResult
  async show(): Promise<string> { return await runGit(this, GIT_COMMANDS.show); }

  /** The first line of `git show --oneline`: the checked-out commit. */
  @suppressActionResult
  async showOneline(): Promise<string> { return await runGit(this, GIT_COMMANDS.showOneline); }

  /** `git stash` */
  @suppressActionResult
  async stash(): Promise<string> { return await runGit(this, GIT_COMMANDS.stash); }

  /** `git stash list` */
  @suppressActionResult
  async stashList(): Promise<string> { return await runGit(this, GIT_COMMANDS.stashList); }

  /** `git stash pop` */
  @suppressActionResult
  async stashPop(): Promise<string> { return await runGit(this, GIT_COMMANDS.stashPop); }

  /** `git stash clear` */
  @suppressActionResult
  async stashClear(): Promise<string> { return await runGit(this, GIT_COMMANDS.stashClear); }

  /** `git status` */
  @suppressActionResult
  async status(): Promise<string> { return await runGit(this, GIT_COMMANDS.status); }

  /** `git version` */
  @suppressActionResult
  async version(): Promise<string> { return await runGit(this, GIT_COMMANDS.version); }

  /** `git whatchanged` (quitting its pager early is fine) */
  @suppressActionResult
  async whatchanged(): Promise<string> { return await runGit(this, GIT_COMMANDS.whatchanged); }

  /** `git rev-parse HEAD`: the full hash of the checked-out commit. */
  @suppressActionResult
  async headSha(): Promise<string> { return await runGit(this, GIT_COMMANDS.headSha); }

  /**
   * Check out `commit` (a branch, tag or hash; asked once, defaulting to `defaultRevision`, when
   * not given) on every host at once: clone when the checkout is missing, fetch, run
   * `_beforeCheckoutHook`, stash local changes, check out, update submodules, and pop the stash.
   */
  @dontIsolateYet
  async checkout(commit?: string): Promise<void> {
    const chosen = (commit ?? await this.console.input("Git commit", { default: this.defaultRevision })).trim();
    if (chosen === "") throw new DeployerException("Git.checkout: no commit given");
    if (chosen.startsWith("-")) throw new DeployerException(`Git.checkout: "${chosen}" is not a commit`);
    await this._checkout(chosen);
  }

  /** `checkout` on one host. */
  async _checkout(commit: string): Promise<void> {
    const host = this.host;
    const dir = await host.expandPath(this.repositoryLocation);
    const existed = await host.exists(dir);
    if (!existed) await host.run(`git clone --recursive -- ${shellQuote(this.repository)} ${shellQuote(dir)}`);
    await host.cd(dir, async () => {
      await host.run("git fetch --all --prune");
      await this._beforeCheckoutHook(commit);
      const stashed = existed && await stashChanges(this);
      let failure: { error: unknown } | undefined;
      try {
        await host.run(`git checkout ${shellQuote(commit)} --`);
        await host.run("git submodule update --init");
      } catch (error) {
        failure = { error };
      }
      if (stashed) await popStash(this, dir, failure === undefined);
      if (failure) throw failure.error;
    });
  }

  /**
   * Override point, run on each host in the checkout after the fetch and before anything changes
   * there (e.g. to check that `commit` is allowed on this host); throw to stop the checkout.
   */
  async _beforeCheckoutHook(commit: string): Promise<void> {}
}

/** Run `git <args>` in the checkout; resolves to the output without its trailing newline. */
async function runGit(git: Git, command: GitCommand, options: { interactive?: boolean } = {}): Promise<string> {
  const { args, ignoreExitStatus = false } = typeof command === "string" ? { args: command } : command;
  const host = git.host.cd(git.repositoryLocation, { expand: true });
  return (await host.run(`git ${args}`, { interactive: options.interactive ?? true, ignoreExitStatus })).trimEnd();
}

/** `git stash`; whether it saved anything (so that only our own stash is popped later). */
async function stashChanges(git: Git): Promise<boolean> {
  const top = () => git.host.run("git rev-parse -q --verify refs/stash || true", { interactive: false });
  const before = await top();
  await git.host.run("git stash");
  return (await top()) !== before;
}

/**
 * `git stash pop`. A failure is shown; after a successful checkout the user says whether to go on
 * (yes when nobody is asked); after a failed one, the checkout's error is what is reported.
 */
async function popStash(git: Git, dir: string, ask: boolean): Promise<void> {
  let output: string;
  try {
    await git.host.run("git stash pop 2>&1", { interactive: false });
    return;
  } catch (error) {
    if (!(error instanceof ExecCommandFailed)) throw error;
    output = error.output;
  }
  if (NOTHING_TO_POP.test(output)) return;
  print(git, output.endsWith("\n") ? output : `${output}\n`);
  if (ask && !(await git.console.confirm("Should we continue?", { default: true }))) {
    throw new DeployerException(`git stash pop failed in ${dir} on ${git.host.slug}; the changes are still in the stash`);
  }
}

/**
 * Lists every public Git node of the tree, on each of its hosts, with the commit checked out
 * there: ` <node path padded to 40> <first line of git show --oneline>`, a page at a time.
 */
export class GitOverview extends Node {
  @alias("default")
  async show(): Promise<void> {
    const root = new Inspector(this).getRoot();
    async function* rows(): AsyncGenerator<string> {
      for (const node of new Inspector(root).walk(PublicOnly.and(new IsInstance(Git)))) {
        for (const [, cell] of new Inspector(node).iterIsolations()) {
          const name = new Inspector(cell).getFullName();
          let line: string;
          try {
            line = await runGit(cell as Git, GIT_COMMANDS.showOneline, { interactive: false });
          } catch (error) {
            line = `(${messageOf(error)})`;
          }
          yield ` ${name.padEnd(40)} ${line}`;
        }
      }
    }
    await this.console.lesspipe(rows());
  }
}
