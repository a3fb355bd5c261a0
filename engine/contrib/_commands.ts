// Command builders for common shell chores; every value is quoted, so any string is safe to pass.
import { shellQuote } from "../utils.ts";

/** Small builders of shell command lines, to pass to `host.run` / `host.sudo`. */
export const commands = {
  /**
   * Download `url` with wget, into `target` when given (taken literally: no `~` expansion), else into
   * the working directory under the URL's own name.
   */
  wget(url: string, target?: string): string {
    return `wget${target === undefined ? "" : ` --output-document=${shellQuote(target)}`} -- ${shellQuote(url)}`;
  },

  /**
   * Append `line` to `~/.bashrc` unless the file already has exactly that line (compared as plain
   * text, the whole line); creates the file when missing.
   */
  bashrcAppend(line: string): string {
    const quoted = shellQuote(line);
    return `grep -qxF -e ${quoted} ~/.bashrc 2>/dev/null || printf '%s\\n' ${quoted} >> ~/.bashrc`;
  },
} as const;
