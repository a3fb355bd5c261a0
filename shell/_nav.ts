// Navigation: the words that name nodes (`.`, `-`, `/`, `..`, `:slug`, child names), and what
// the word at any position may complete to. Completion and dispatch both resolve through here.
import { colorize, Inspector, type Node } from "../engine/index.ts";
import type { Candidate } from "./_editor.ts";

export interface ShellState {
  node: Node;
  previous: Node | undefined;
  root: Node;
}

/** The node `word` leads to from `from`, or undefined. */
export function resolveNav(state: ShellState, from: Node, word: string): Node | undefined {
  const inspector = new Inspector(from);
  switch (word) {
    case ".": return from;
    case "-": return state.previous;
    case "/": return state.root;
    case "..": return inspector.getParent();
  }
  if (word.startsWith(":") && word.length > 1 && !inspector.isIsolated()) {
    try {
      return inspector.getIsolation(word.slice(1).split(":"));
    } catch {
      return undefined;
    }
  }
  return inspector.hasChildnode(word) ? inspector.getChildnode(word) : undefined;
}

/** A node name coloured by its group. */
export function nodeLabel(node: Node, text = new Inspector(node).getName()): string {
  return colorize(text, new Inspector(node).getGroup().color);
}

const visible = (name: string, part: string) => !name.startsWith("_") || part.startsWith("_");

/** What a node-path word may be: navigation words, isolations, then children in declaration order. */
export function navCandidates(state: ShellState, from: Node, part: string, color: boolean): Candidate[] {
  const inspector = new Inspector(from);
  const out: Candidate[] = [];
  const add = (text: string, display: string, final = true) => {
    if (text.startsWith(part)) out.push({ text, display: color ? display : text, final });
  };
  add(".", colorize(".", "cyan"));
  if (state.previous) add("-", colorize("-", "cyan"));
  if (from !== state.root && new Inspector(from).getParent()) add("/", colorize("/", "cyan"));
  if (inspector.getParent()) add("..", colorize("..", "cyan"));
  if (!inspector.isIsolated() && part.startsWith(":")) {
    for (const [id] of inspector.iterIsolations("HOSTS_SLUG")) add(`:${id.join(":")}`, colorize(`:${id.join(":")}`, "yellow"));
  }
  for (const child of inspector.getChildnodes()) {
    const name = new Inspector(child).getName();
    if (visible(name, part)) add(name, nodeLabel(child));
  }
  return out;
}

/** What an action position may be: node words, then actions (`*`), queries (`?`), properties (`@`). */
export function actionCandidates(state: ShellState, from: Node, part: string, color: boolean, options: { attributes?: boolean } = {}): Candidate[] {
  const inspector = new Inspector(from);
  const out = navCandidates(state, from, part, color);
  const add = (names: string[], postfix: string) => {
    for (const name of names) {
      if (name.startsWith(part) && visible(name, part)) out.push({ text: name, display: (color ? nodeLabel(from, name) : name) + postfix });
    }
  };
  add(inspector.getActionNames(), "*");
  if (options.attributes) {
    add(inspector.getQueries(), "?");
    add(inspector.getProperties(), "@");
  }
  return out;
}

/** The closest names to `word` (for "did you mean"). */
export function closest(word: string, names: string[]): string[] {
  const scored = names.map((name) => [name, distance(word, name)] as const).filter(([, d]) => d <= Math.max(2, Math.floor(word.length / 3)));
  return scored.sort((a, b) => a[1] - b[1]).slice(0, 3).map(([name]) => name);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
