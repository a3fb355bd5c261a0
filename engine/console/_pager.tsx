/** @jsxImportSource react */
// Pager: lines a page at a time. Space shows the next page, Enter the next line; q, Esc or Ctrl-C quits.
// Shown lines stay on the terminal (Ink's Static) except the last, which is drawn with the "more" prompt
// under it, so that when the prompt goes the last line takes its place and no blank line is left.
import { useRef } from "react";
import { Static, Text, useInput, type Key } from "ink";
import { isInterrupt, useStore, type Outcome } from "./_keys.ts";

/** The next `count` lines, and whether the source is exhausted after them. */
export type MoreLines = (count: number) => Promise<{ lines: string[]; done: boolean }>;

export interface PagerProps {
  /** The first page, shown at once. */
  first: readonly string[];
  more: MoreLines;
  pageSize: number;
  /** The input ended: stop asking for more. */
  inputEnded?: boolean;
  /** `answer` when every line was shown, `interrupted` when the user quit. */
  onDone: (outcome: Outcome<void>) => void;
}

interface PagerState {
  shown: readonly string[];
  finished: boolean;
}

export function Pager({ first, more, pageSize, inputEnded = false, onDone }: PagerProps) {
  const [state, store] = useStore<PagerState>(() => ({ shown: first, finished: false }));
  const keys = useRef(Promise.resolve());
  const end = (outcome: Outcome<void>) => {
    store.set({ ...store.get(), finished: true });
    onDone(outcome);
  };
  const show = async (count: number) => {
    const { lines, done } = await more(count);
    if (store.get().finished) return;
    store.set({ ...store.get(), shown: [...store.get().shown, ...lines] });
    if (done) end({ kind: "answer", value: undefined });
  };
  const act = (input: string, key: Key): Promise<void> | void => {
    if (store.get().finished) return;
    if (isInterrupt({ input, key }) || input === "q" || input === "Q" || key.escape) return end({ kind: "interrupted" });
    if (input === " " || input === "f" || key.pageDown) return show(pageSize);
    if (key.return || input === "\n" || input === "j" || key.downArrow) return show(1);
  };
  // Keys typed while lines are being fetched wait their turn instead of being dropped.
  useInput((input, key) => {
    keys.current = keys.current.then(() => act(input, key));
  });
  const finished = state.finished || inputEnded;
  const done = state.shown.slice(0, -1).map((line, i) => ({ line, i }));
  const last = state.shown.at(-1);
  return (
    <>
      <Static items={done}>{({ line, i }) => <Line key={i} text={line} />}</Static>
      {last !== undefined && <Line text={last} />}
      {!finished && (
        <Text wrap="truncate-end">
          <Text color="cyan" inverse> -- More -- </Text>
          <Text dimColor> space: next page, Enter: next line, q: quit</Text>
        </Text>
      )}
    </>
  );
}

function Line({ text }: { text: string }) {
  return <Text>{text === "" ? " " : expandTabs(text)}</Text>;
}

/** Tabs as spaces to the next multiple of 8 (Ink measures text by its characters). */
export function expandTabs(line: string): string {
  if (!line.includes("\t")) return line;
  let column = 0;
  let out = "";
  for (const part of line.split(/(\x1b\[[0-9;]*m|\t)/)) {
    if (part === "\t") {
      const spaces = 8 - (column % 8);
      out += " ".repeat(spaces);
      column += spaces;
    } else {
      out += part;
      if (!part.startsWith("\x1b[")) column += [...part].length;
    }
  }
  return out;
}
