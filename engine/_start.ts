// start(Root): for a deploy.ts that names its own root and extra loggers, as python-deployer's
// `if __name__ == "__main__": start(Root)` did. The CLI that loads the script takes the request.
import type { Logger } from "./loggers/index.ts";
import type { NodeClass } from "./node/_node.ts";

export interface StartOptions {
  /** Loggers attached in every run mode, besides the default one and --log's. */
  extraLoggers?: Logger[];
}

export interface StartRequest {
  root: NodeClass;
  extraLoggers: Logger[];
}

const LOADING = Symbol.for("deployer.loading");
type Loading = { request?: StartRequest };

/**
 * Make `root` the root node of this deploy script, with `extraLoggers` attached in every run mode.
 * Call it at the end of deploy.ts, then run the script with `deployer run deploy.ts`.
 */
export function start(root: NodeClass, options: StartOptions = {}): void {
  const loading = (globalThis as Record<symbol, Loading | undefined>)[LOADING];
  if (!loading) throw new Error("start(Root) runs inside the deployer CLI: run this script with `deployer run FILE`");
  loading.request = { root, extraLoggers: [...(options.extraLoggers ?? [])] };
}

/** For the CLI: run `load` (which imports a deploy script) and return the start() request it made, if any. */
export async function collectStartRequest<T>(load: () => Promise<T>): Promise<{ value: T; request?: StartRequest }> {
  const slot = globalThis as Record<symbol, Loading | undefined>;
  const loading: Loading = {};
  slot[LOADING] = loading;
  try {
    return { value: await load(), request: loading.request };
  } finally {
    slot[LOADING] = undefined;
  }
}
