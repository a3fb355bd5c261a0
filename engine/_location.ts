// Where code was written: stack frames mapped back through the source maps of loaded deploy.ts bundles.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { SourceMap, type SourcePosition } from "./_sourcemap.ts";

const bundles = new Map<string, SourceMap>();

/** Remember the source map (JSON text) of a bundle loaded from `path`, so its frames name the user's files. */
export function registerSourceMap(path: string, mapJson: string): void {
  bundles.set(path, new SourceMap(mapJson));
}

export interface Frame {
  /** The frame's function name, if the runtime gave one. */
  fn: string | undefined;
  position: SourcePosition;
  /** True when the frame is in a file the user wrote (not the engine, not node_modules). */
  user: boolean;
}

const FRAME = /^\s*at (?:(.*?) \()?(?:file:\/\/)?(.+?):(\d+):(\d+)\)?$/;
const ENGINE_DIR = dirname(fileURLToPath(import.meta.url));

function isEngineFile(file: string): boolean {
  return file.startsWith(`${ENGINE_DIR}/`) || file.startsWith("/$bunfs/") || file.startsWith("B:/~BUN/") || file.startsWith("node:") || file === "native";
}

/** The frames of a stack trace, mapped back through the bundles' source maps. */
export function framesOfStack(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split("\n")) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const [, fn, file, lineText, columnText] = match;
    const map = bundles.get(file!);
    if (map) {
      const mapped = map.lookup(Number(lineText), Number(columnText));
      if (mapped) frames.push({ fn, position: mapped, user: !/(^|\/)node_modules\/|^deployer-engine:/.test(mapped.source) });
      continue;
    }
    const position = { source: file!, line: Number(lineText), column: Number(columnText) };
    // With a deploy.ts loaded, the user's code is exactly what maps into its bundle; otherwise
    // (the engine used as a library, or in tests) anything outside the engine and node_modules.
    const user = bundles.size === 0 && !isEngineFile(file!) && !/(^|\/)node_modules\//.test(file!);
    frames.push({ fn, position, user });
  }
  return frames;
}

/** The frames of `error`'s stack. */
export function framesOf(error: unknown): Frame[] {
  return framesOfStack(error instanceof Error ? error.stack ?? "" : "");
}

function format(frame: Frame): string {
  return `${frame.position.source}:${frame.position.line}:${frame.position.column}`;
}

/** `file:line:column` of the first frame in the user's own code, if any. */
export function userLocation(error: unknown): string | undefined {
  const frame = framesOf(error).find((f) => f.user);
  return frame && format(frame);
}

/** The user's frames as `at fn (file:line:column)` lines, for showing under an error. */
export function userFrames(error: unknown): string[] {
  return framesOf(error).filter((f) => f.user).map((f) => `at ${f.fn ? `${f.fn} ` : ""}(${format(f)})`);
}

/** `file:line:column` of the user's code that called into the engine right now (e.g. where a query was written). */
export function callerLocation(): string | undefined {
  const frame = framesOfStack(new Error().stack ?? "").find((f) => f.user);
  return frame && format(frame);
}
