// Stack traces that name the user's deploy.ts lines instead of the generated bundle's.
import { SourceMap, type SourcePosition } from "./_sourcemap.ts";

const bundles = new Map<string, SourceMap>();

/** Remember the source map of a bundle loaded from `path`. */
export function registerBundle(path: string, map: SourceMap): void {
  bundles.set(path, map);
}

export interface Frame {
  /** The frame's function name, if the runtime gave one. */
  fn: string | undefined;
  position: SourcePosition;
  /** True when the frame is in a file the user wrote (not the engine, not node_modules). */
  user: boolean;
}

const FRAME = /^\s*at (?:(.*?) \()?(?:file:\/\/)?(.+?):(\d+):(\d+)\)?$/;

/** The frames of `error`'s stack, mapped back through the bundles' source maps. */
export function framesOf(error: unknown): Frame[] {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  const frames: Frame[] = [];
  for (const line of stack.split("\n")) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const [, fn, file, lineText, columnText] = match;
    const map = bundles.get(file!);
    const mapped = map?.lookup(Number(lineText), Number(columnText));
    if (mapped) {
      frames.push({ fn, position: mapped, user: !/(^|\/)node_modules\/|^deployer-engine:/.test(mapped.source) });
    } else {
      frames.push({ fn, position: { source: file!, line: Number(lineText), column: Number(columnText) }, user: false });
    }
  }
  return frames;
}

/** `file:line:column` of the first frame in the user's own code, if any. */
export function userLocation(error: unknown): string | undefined {
  const frame = framesOf(error).find((f) => f.user);
  return frame && `${frame.position.source}:${frame.position.line}:${frame.position.column}`;
}

/** The user's frames as `at fn (file:line:column)` lines, for showing under an error. */
export function userFrames(error: unknown): string[] {
  return framesOf(error)
    .filter((f) => f.user)
    .map((f) => `at ${f.fn ? `${f.fn} ` : ""}(${f.position.source}:${f.position.line}:${f.position.column})`);
}
