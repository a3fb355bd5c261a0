// Config: a file on each host whose content the deployment code generates, with diff, backup and an
// interactive confirmation before a changed file is overwritten.
import { colorize } from "../groups.ts";
import type { Node } from "../node/_node.ts";
import { ParallelNode } from "../node/_node.ts";
import { suppressActionResult } from "../node/_decorators.ts";
import { RequiredProperty } from "../node/_required.ts";
import { shellQuote } from "../utils.ts";
import { unifiedDiff } from "./_diff.ts";

/**
 * Declare required members on a class's prototype (a `requiredProperty` placeholder), so that a
 * subclass may fill them in with a field, a getter or a double-underscore override alike. A
 * `requiredProperty` field would be an own property of every instance, hiding a subclass's getter
 * (and TypeScript refuses a getter overriding a field). The type comes from an interface of the
 * same name as the class.
 */
export function requiredMembers(cls: { prototype: object }, members: Record<string, string>): void {
  for (const [name, description] of Object.entries(members)) {
    Object.defineProperty(cls.prototype, name, { value: new RequiredProperty(description), writable: true, configurable: true });
  }
}

/** Write to the terminal of the action running now (its lane, when several hosts run at once). */
export function print(env: Node, text: string): void {
  env.console.pty.stdout.write(text);
}

export interface Config {
  /** The absolute path of the file on the host. Required: a field, a getter, or `x__remotePath`. */
  remotePath: string;
  /** The file's new content. Required: a string field, or a getter that may return a Promise. */
  content: string | Promise<string>;
}

/**
 * A configuration file on every host of the node, whose content is generated. `setup` writes it
 * (asking first, in interactive mode, when the file there has other content); `diff`, `changed`
 * and `show` compare and inspect without writing.
 */
export class Config extends ParallelNode {
  static {
    requiredMembers(this, {
      remotePath: "the path of the file on the host",
      content: "the content to write (a string, or a getter that may be async)",
    });
  }

  /** Read, test and write the file through sudo (the default), or as the login user. */
  useSudo = true;
  /** `chmod a+x` the file after writing it. */
  makeExecutable = false;
  /** Copy the existing file to `<path>.<YYYY-mm-dd--HH-MM-SS>` before every write. */
  alwaysBackupExistingConfig = false;

  /** Print the content `setup` would write. */
  async showNewConfig(): Promise<void> {
    print(this, withNewline(await this.content));
  }

  /** Print the file's current content (or say that it does not exist). */
  async show(): Promise<void> {
    if (await fileExists(this)) print(this, withNewline(await this.currentContent()));
    else print(this, "Config doesn't exist yet\n");
  }

  /** The file's current content (throws a FileError with code ENOENT when it does not exist). */
  async currentContent(): Promise<string> {
    const file = await this.host.open(this.remotePath, "r", { useSudo: this.useSudo });
    try {
      return (await file.read()) as string;
    } finally {
      await file.close();
    }
  }

  /**
   * Print the unified diff from the current file (empty when there is none) to the new content,
   * coloured on a terminal; resolves to the diff text ("" when nothing would change).
   */
  @suppressActionResult
  async diff(): Promise<string> {
    const text = await diffOf(this, await this.content);
    print(this, text === "" ? "No changes.\n" : paintDiff(this, text));
    return text;
  }

  /** Print and return whether the file exists. */
  @suppressActionResult
  async exists(): Promise<boolean> {
    const exists = await fileExists(this);
    print(this, exists ? "Yes, config exists already.\n" : "Config doesn't exist yet\n");
    return exists;
  }

  /** Whether `setup` would change the file: it is missing or its content differs. */
  async changed(): Promise<boolean> {
    return !(await fileExists(this)) || (await this.currentContent()) !== (await this.content);
  }

  /**
   * Write the file. When it exists with other content, the diff is printed and the user is asked
   * whether to overwrite it (without a person to ask, the answer is yes, so unattended deploys
   * write). Backs up first with `alwaysBackupExistingConfig`; writes atomically (the file is
   * replaced whole or not at all); `chmod a+x` with `makeExecutable`. Resolves to whether the file
   * was written: false when the user declined or the content was already the same.
   */
  async setup(): Promise<boolean> {
    const content = await this.content;
    const exists = await fileExists(this);
    const current = exists ? await this.currentContent() : undefined;
    let write = current !== content;
    if (current !== undefined && write) {
      print(this, paintDiff(this, unifiedDiff(current, content, headers(this))));
      write = await this.console.confirm(`Overwrite ${this.remotePath} on ${this.host.slug}?`, { default: true });
    }
    if (write) {
      if (this.alwaysBackupExistingConfig && exists) await this.backup();
      const file = await this.host.open(this.remotePath, "w", { useSudo: this.useSudo });
      await file.write(content);
      await file.close();
    } else if (current === content) {
      print(this, `${this.remotePath} is up to date.\n`);
    }
    if (this.makeExecutable && (write || current === content)) await runAs(this, `chmod a+x -- ${shellQuote(this.remotePath)}`);
    return write;
  }

  /**
   * Copy the file, keeping its owner, mode and times, to `<path>.<YYYY-mm-dd--HH-MM-SS>` (this
   * machine's local time). Resolves to the backup's path, or undefined when there is no file.
   */
  async backup(): Promise<string | undefined> {
    if (!(await fileExists(this))) return undefined;
    const target = `${this.remotePath}.${timestamp(new Date())}`;
    await runAs(this, `cp --archive -- ${shellQuote(this.remotePath)} ${shellQuote(target)}`);
    return target;
  }

  /** Edit the file in vim on the host (through sudo with `useSudo`); needs a terminal. */
  async editInVim(): Promise<void> {
    await runAs(this, `vim -- ${shellQuote(this.remotePath)}`, { interactive: true });
  }
}

function fileExists(config: Config): Promise<boolean> {
  return config.host.exists(config.remotePath, { useSudo: config.useSudo });
}

function runAs(config: Config, command: string, options: { interactive?: boolean } = { interactive: false }): Promise<string> {
  return config.useSudo ? config.host.sudo(command, options) : config.host.run(command, options);
}

/** The diff from the file (from nothing, `/dev/null`, when there is none) to `content`. */
async function diffOf(config: Config, content: string): Promise<string> {
  if (!(await fileExists(config))) return unifiedDiff("", content, headers(config, "/dev/null"));
  return unifiedDiff(await config.currentContent(), content, headers(config));
}

function headers(config: Config, from?: string): { fromFile: string; toFile: string } {
  return { fromFile: from ?? `${config.remotePath} (current)`, toFile: `${config.remotePath} (new)` };
}

/** Deletions red, additions green, hunk headers cyan; on a terminal only. */
function paintDiff(env: Node, diff: string): string {
  if (!env.console.pty.isTTY) return diff;
  return diff.replace(/^.*$/gm, (line) => {
    if (line.startsWith("+++") || line.startsWith("---")) return colorize(line, undefined, { bold: true });
    if (line.startsWith("+")) return colorize(line, "green");
    if (line.startsWith("-")) return colorize(line, "red");
    if (line.startsWith("@@")) return colorize(line, "cyan");
    return line;
  });
}

function withNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

/** `YYYY-mm-dd--HH-MM-SS` in local time, as the original's backups are named. */
function timestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}--${two(date.getHours())}-${two(date.getMinutes())}-${two(date.getSeconds())}`;
}
