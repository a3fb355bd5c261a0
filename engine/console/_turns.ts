// One question at a time per terminal: parallel actions that ask (sudo passwords, host keys) wait their turn.
import type { Pty } from "../pty.ts";

const queues = new WeakMap<Pty, Promise<unknown>>();

/** Run `ask` once every question asked before it on `pty` is answered. */
export function inTurn<T>(pty: Pty, ask: () => Promise<T>): Promise<T> {
  const previous = queues.get(pty) ?? Promise.resolve();
  const mine = previous.then(ask, ask);
  queues.set(pty, mine.catch(() => undefined));
  return mine;
}
