// What every start-up loads: the modules cmd/deployer.ts reaches through static imports. Bun
// loads all of them (and sets up every Node built-in they import) before the first line runs, so
// the heavy packages stay in parts (engine/_parts.ts) and the slow built-ins are taken on first
// use (engine/_builtins.ts). This walks the import graph of the sources to keep it that way.
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { PARTS } from "../../engine/_parts.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const SLOW_BUILTINS = ["node:crypto", "node:stream", "node:stream/promises", "node:net", "node:readline", "node:util", "node:child_process", "node:tty"];
const PART_PACKAGES = ["ink", "react", "ssh2", "esbuild"];

/** The value imports of a module (not `import type`, not `import()`): its specifiers. */
function staticImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?"([^"]+)";/gm)) {
    const [statement, typeOnly, specifier] = match;
    if (typeOnly || /^\s*(?:import|export)\s*\{\s*(?:type\s+[^,}]+\s*,?\s*)+\}\s*from/.test(statement!)) continue;
    found.push(specifier!);
  }
  return found;
}

/** Every module reachable from `entry` through static imports, with what each imports from outside. */
function reachable(entry: string): Map<string, string[]> {
  const modules = new Map<string, string[]>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    const specifiers = staticImports(readFileSync(file, "utf8"));
    modules.set(file, specifiers.filter((s) => !s.startsWith(".")));
    for (const specifier of specifiers.filter((s) => s.startsWith("."))) {
      const target = resolve(dirname(file), specifier);
      if (!existsSync(target)) throw new Error(`${relative(ROOT, file)} imports ${specifier}, which is not there`);
      visit(target);
    }
  };
  visit(entry);
  return modules;
}

test("start-up loads no part and no slow Node built-in: they are loaded when first used", () => {
  const modules = reachable(join(ROOT, "cmd", "deployer.ts"));
  // Not vacuous: the walk reaches the engine, the shells and the loader.
  for (const file of ["engine/index.ts", "shell/_shell.ts", "cmd/_loader.ts", "engine/_parts.ts"]) expect(modules.has(join(ROOT, file))).toBe(true);
  const offending: string[] = [];
  for (const [file, external] of modules) {
    const name = relative(ROOT, file);
    if ((PARTS as readonly string[]).includes(name)) offending.push(`${name} is a part, yet imported statically`);
    // JSX compiles to imports of react/jsx-runtime that the source does not show.
    else if (name.endsWith(".tsx")) offending.push(`${name} has JSX, which imports react`);
    for (const specifier of external) {
      const slow = SLOW_BUILTINS.includes(specifier) || SLOW_BUILTINS.includes(`node:${specifier}`);
      const part = PART_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
      if (slow || part) offending.push(`${name} imports ${specifier}`);
    }
  }
  expect(offending).toEqual([]);
});

test("the walk sees a value import and skips type-only ones", () => {
  expect(staticImports(`import { a } from "node:net";\nimport type { B } from "node:stream";\nimport { type C } from "node:util";\nexport { d } from "./d.ts";\nimport "./side.ts";\n`))
    .toEqual(["node:net", "./d.ts", "./side.ts"]);
});
