// How a widget reacts to keys: a pure step from state and key to the next state, run by one hook.
import { useState, useSyncExternalStore } from "react";
import { useInput, type Key } from "ink";

/** How a widget ended: an answer, Ctrl-C, or Ctrl-D (the end of input, so the caller takes the default). */
export type Outcome<T> = { kind: "answer"; value: T } | { kind: "interrupted" } | { kind: "end-of-input" };

/** A key as Ink parsed it: the text it types (empty for special keys) and what kind of key it is. */
export interface Keypress {
  input: string;
  key: Key;
}

/** The state every widget carries: once `outcome` is set, the widget is finished and ignores keys. */
export interface Finishable<T> {
  outcome?: Outcome<T>;
}

export const isInterrupt = ({ input, key }: Keypress): boolean => key.ctrl && input === "c";
export const isEndOfInput = ({ input, key }: Keypress): boolean => key.ctrl && input === "d";
/** Backspace; most terminals send DEL (0x7f), which Ink calls `delete`. */
export const isBackspace = ({ key }: Keypress): boolean => key.backspace || key.delete;
/** Text a key types: printable characters only (a paste may bring several). */
export const typedText = ({ input, key }: Keypress): string => (key.ctrl || key.meta ? "" : input.replace(/[\x00-\x1f\x7f]/g, ""));

/**
 * A widget's state, kept outside React: React renders a store's change at once (in a microtask) where a
 * `useState` change waits for a later task, so the frame with the answer is drawn before the widget is
 * unmounted, and keys typed in quick succession each see the state the previous one left.
 */
export class Store<S> {
  private readonly listeners = new Set<() => void>();
  constructor(private state: S) {}
  readonly get = (): S => this.state;
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  set(state: S): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

/** A store created on the first render, and its current state. */
export function useStore<S>(initial: () => S): [S, Store<S>] {
  const [store] = useState(() => new Store(initial()));
  return [useSyncExternalStore(store.subscribe, store.get), store];
}

/**
 * The widget's state, advanced by `step` on every key until it has an outcome, which goes to `onDone`
 * at once (so the caller stops reading keys and leaves the rest for the next question).
 */
export function useKeys<S extends Finishable<T>, T>(initial: () => S, step: (state: S, press: Keypress) => S, onDone: (outcome: Outcome<T>) => void): S {
  const [state, store] = useStore(initial);
  useInput((input, key) => {
    const current = store.get();
    if (current.outcome) return;
    const next = step(current, { input, key });
    if (next === current) return;
    store.set(next);
    if (next.outcome) onDone(next.outcome);
  });
  return state;
}
