// Parts: modules the compiled binary carries as entry points of their own, each loaded the first
// time it is needed. Code inside the binary's main bundle costs every start-up its loading time
// even when it never runs (about 3 ms per MB here), and Ink with React, ssh2 and esbuild's API
// are most of the bundle, while `run -- ACTION` on local hosts needs none of them.
//
// A part must not import engine modules that hold state (it gets copies of them, not the
// engine's own): the widgets import only their own components and Ink; the others are packages.

/** The parts, as paths from the project root; build.ts makes each an entry point. */
export const PARTS = ["engine/console/_widgets.tsx", "engine/host/_ssh2.ts", "cmd/_esbuild_api.ts"] as const;
export type Part = (typeof PARTS)[number];

// In the compiled binary every module is the main one, /$bunfs/root/deployer, and the parts sit
// beside it under their paths from the project root, as .js files; from source they are files.
const compiled = import.meta.url.startsWith("file:///$bunfs/");
const root = new URL(compiled ? "./" : "../", import.meta.url);

/** Load a part (cached by the module loader after the first time). */
export function importPart(part: Part): Promise<unknown> {
  return import(new URL(compiled ? part.replace(/\.tsx?$/, ".js") : part, root).href);
}
