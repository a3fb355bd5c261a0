// --source-code: the source of a node's class, read from the deploy script, lightly highlighted.
import { readFileSync } from "node:fs";
import { colorize, type Node } from "../engine/index.ts";

/** The text of `class Name … { … }` in `file`, or the compiled class when it cannot be found there. */
export function sourceOfClass(node: Node, file: string | undefined): string {
  const cls = (node as object).constructor as Function;
  const names = [cls.name, Object.getPrototypeOf(cls)?.name].filter((n): n is string => Boolean(n) && !n.includes("."));
  if (file) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      // fall through to the compiled source
    }
    for (const name of names) {
      const found = extractClass(text, name);
      if (found) return found;
    }
  }
  return Function.prototype.toString.call(cls);
}

function extractClass(text: string, name: string): string | undefined {
  const match = new RegExp(`^[ \\t]*(?:export\\s+)?(?:default\\s+)?class\\s+${name}\\b`, "m").exec(text);
  if (!match) return undefined;
  // Decorators written just above the class belong to it.
  let start = match.index;
  const before = text.slice(0, start).split("\n");
  while (before.length > 1 && /^\s*@/.test(before.at(-2)!)) start -= before.pop()!.length + 1;
  const open = text.indexOf("{", match.index);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (char === "{") depth++;
    else if (char === "}" && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

const KEYWORDS = /\b(class|extends|async|await|return|const|let|if|else|for|of|new|this|import|export|default|static|get|set|try|catch|finally|throw)\b/g;

/** Keywords, strings and comments coloured; enough to read, no parser needed. */
export function highlight(source: string): string {
  return source
    .split("\n")
    .map((line) => {
      const comment = line.indexOf("//");
      const code = comment >= 0 ? line.slice(0, comment) : line;
      const painted = code
        .replace(/(["'`])(?:\\.|(?!\1).)*\1/g, (s) => colorize(s, "green"))
        .replace(KEYWORDS, (k) => colorize(k, "magenta"));
      return comment >= 0 ? painted + colorize(line.slice(comment), "grey") : painted;
    })
    .join("\n");
}
