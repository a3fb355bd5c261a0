// Terminal routes: which terminal the code running now talks to. One process may serve several
// terminals at once (the clients of a shared session, the per-host lanes of a parallel action);
// the route follows each async flow, so a command's output and questions reach the right one.
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import type { Pty } from "./pty.ts";

/** Something running that an interrupt can stop (a command). */
export interface Interruptible {
  signal(name: "INT" | "TERM" | "HUP" | "KILL"): void;
}

/** A terminal, and the commands started from it (what Ctrl-C there stops). */
export interface TerminalRoute {
  pty: Pty;
  running: Set<Interruptible>;
  /** The terminal this one is a view of (a parallel lane's shared terminal); interrupts reach every lane. */
  parent?: TerminalRoute;
}

const routes = new AsyncLocalStorage<TerminalRoute>();

/** Run `fn` with `pty` as the terminal of everything it starts (output, questions, Ctrl-C). */
export function withTerminal<T>(pty: Pty, fn: () => T): T {
  return routes.run(newRoute(pty), fn);
}

/** Run `fn` on an existing route. */
export function onRoute<T>(route: TerminalRoute, fn: () => T): T {
  return routes.run(route, fn);
}

export function newRoute(pty: Pty, parent?: TerminalRoute): TerminalRoute {
  return { pty, running: new Set(), parent };
}

/** The route of the code running now, if one was set. */
export function currentRoute(): TerminalRoute | undefined {
  return routes.getStore();
}

/** `fn`, bound to the route (and every async context) of the caller: for event listeners. */
export function bindToCaller<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return AsyncResource.bind(fn);
}
