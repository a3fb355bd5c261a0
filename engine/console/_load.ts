// Loads the Ink widgets on first use: Ink and its layout engine take ~100 ms to load, and most runs never need them.
import { importPart } from "../_parts.ts";
import type { Pty } from "../pty.ts";

export type Widgets = typeof import("./_widgets.tsx");

let loading: Promise<Widgets> | undefined;
let loaded: Widgets | undefined;

/** The widgets module, loading it the first time. */
export function loadWidgets(): Promise<Widgets> {
  return (loading ??= (importPart("engine/console/_widgets.tsx") as Promise<Widgets>).then((module) => (loaded = module)));
}

/** Start loading the widgets, for drawing that will use them once loaded (a failure shows when a question needs them). */
export function preloadWidgets(): void {
  loadWidgets().catch(() => undefined);
}

/** The widgets module if it has finished loading (for drawing that cannot wait, such as progress bars). */
export function loadedWidgets(): Widgets | undefined {
  return loaded;
}

/** Whether questions on `pty` are Ink widgets: a person at a real terminal (a DummyPty keeps the line prompts). */
export function asksWithWidgets(pty: Pty): boolean {
  return pty.interactive && pty.isTTY && pty.stdin !== undefined;
}

/** Whether progress bars on `pty` are drawn by an Ink component (they read no input). */
export function drawsWithInk(pty: Pty): boolean {
  return pty.interactive && pty.isTTY;
}
