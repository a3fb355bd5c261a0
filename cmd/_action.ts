// Running one action from the command line: node words, the action's name, string arguments.
import { inspect } from "../engine/_builtins.ts";
import * as engine from "../engine/index.ts";
import { CliError } from "./_errors.ts";

/** Walk node names, then run the action with the remaining words as string arguments. */
export async function runAction(env: engine.Node, words: string[], out: engine.Pty["stdout"] & { isTTY?: boolean }): Promise<number> {
  let node = env;
  let index = 0;
  while (index < words.length && new engine.Inspector(node).hasChildnode(words[index]!)) {
    node = new engine.Inspector(node).getChildnode(words[index++]!);
  }
  const inspector = new engine.Inspector(node);
  const where = inspector.getPath().join(" ");
  const name = words[index] ?? "default";
  if (!inspector.hasAction(name)) {
    const children = inspector.getChildnodes({ includePrivate: false }).map((c) => new engine.Inspector(c).getName());
    const actions = inspector.getActionNames({ includePrivate: false });
    const what = words[index] === undefined ? `${where} has no default action` : `${where} has no node or action "${name}"`;
    throw new CliError(`${what} (nodes: ${children.join(", ") || "none"}; actions: ${actions.join(", ") || "none"})`);
  }
  try {
    const result = await inspector.getAction(name).call(...words.slice(index + 1));
    if (result !== undefined) out.write(`${typeof result === "string" ? result.replace(/\n?$/, "\n") : `${inspect(result, { colors: Boolean(out.isTTY), depth: 4 })}\n`}`);
    return 0;
  } catch (error) {
    throw actionFailure(error);
  }
}

/** One line naming what failed and where in the user's code, then the user's frames. */
function actionFailure(error: unknown): CliError {
  const inner = error instanceof engine.ActionException ? error.innerException : error;
  const action = error instanceof engine.ActionException ? error.action : "action";
  const location = engine.userLocation(inner);
  if (error instanceof engine.ActionException && error.outcomes) {
    // A parallel action: name every isolation that failed, not only the first.
    return new CliError(`${location ? `${location}: ` : ""}${error.message}`, 1, engine.userFrames(inner));
  }
  const message = inner instanceof Error ? (inner instanceof engine.DeployerException ? inner.message : `${inner.name}: ${inner.message}`) : String(inner);
  return new CliError(`${location ? `${location}: ` : ""}${action} failed: ${message}`, 1, engine.userFrames(inner));
}
