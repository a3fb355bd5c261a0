// Command history: in memory, and in a file per deploy script so it survives sessions.
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

const LIMIT = 1000;

/** Lines typed at the prompt, oldest first. Never holds what Console questions read (passwords). */
export class History {
  private readonly lines: string[] = [];

  constructor(private readonly file?: string) {
    if (!file) return;
    try {
      this.lines.push(...readFileSync(file, "utf8").split("\n").filter(Boolean).slice(-LIMIT));
    } catch {
      // No history yet.
    }
  }

  get entries(): readonly string[] {
    return this.lines;
  }

  add(line: string): void {
    if (!line.trim() || line === this.lines.at(-1)) return;
    this.lines.push(line);
    if (this.lines.length > LIMIT) this.lines.shift();
    if (!this.file) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      appendFileSync(this.file, `${line.replace(/\n/g, " ")}\n`, { mode: 0o600 });
    } catch {
      // History is a convenience: an unwritable file never stops the shell.
    }
  }

  /** The newest entry before index `from` containing `needle` (for Ctrl-R). */
  search(needle: string, from = this.lines.length): number {
    for (let i = Math.min(from, this.lines.length) - 1; i >= 0; i--) if (this.lines[i]!.includes(needle)) return i;
    return -1;
  }
}
