import { expect, test } from "bun:test";
import { build } from "esbuild";
import { SourceMap } from "../../engine/_sourcemap.ts";

test("a generated position maps back to the original line and column", async () => {
  const source = [
    "// a comment",
    "type T = { a: number };",
    "",
    "export function f(x: T) {",
    "  return x.a + missing();",
    "}",
  ].join("\n");
  const result = await build({
    stdin: { contents: source, loader: "ts", sourcefile: "deploy.ts" },
    write: false, bundle: false, format: "esm", sourcemap: "external", outfile: "out.js",
  });
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
  const map = new SourceMap(result.outputFiles.find((f) => f.path.endsWith(".map"))!.text);
  const lines = js.split("\n");
  const line = lines.findIndex((l) => l.includes("missing()")) + 1;
  const column = lines[line - 1]!.indexOf("missing()") + 1;
  expect(map.lookup(line, column)).toEqual({ source: "deploy.ts", line: 5, column: 16 });
  expect(map.lookup(10_000, 1)).toBeUndefined();
});
