// One question at a time per terminal: parallel work that asks (sudo passwords, host keys) waits its turn.
import type { Pty } from "./pty.ts";

const turns = new WeakMap<Pty, Promise<unknown>>();

/** Run `ask` once every question asked before it on `pty` is answered. */
export function inTurnOf<T>(pty: Pty, ask: () => Promise<T>): Promise<T> {
  const previous = turns.get(pty) ?? Promise.resolve();
  const mine = previous.then(ask, ask);
  turns.set(pty, mine.catch(() => undefined));
  return mine;
}
