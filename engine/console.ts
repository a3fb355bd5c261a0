// Console: how an action talks to the person at the terminal (the widgets come with the shell).
import type { Pty } from "./pty.ts";

/** User interaction inside actions. In non-interactive mode every question takes its default. */
export class Console {
  constructor(readonly pty: Pty) {}

  get isInteractive(): boolean {
    return this.pty.interactive;
  }

  /** Print a warning line. */
  warning(text: string): void {
    const color = (this.pty.stdout as { isTTY?: boolean }).isTTY;
    this.pty.stdout.write(color ? `\x1b[31m${text}\x1b[0m\n` : `${text}\n`);
  }
}
