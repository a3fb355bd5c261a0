/** @jsxImportSource react */
// Choice: pick one of a list. ↑/↓ or k/j move, digits jump to an option's number, Enter picks; the default
// (or "random" with allowRandom, listed first) starts highlighted; Ctrl-D takes it; Ctrl-C interrupts.
import { Box, Text } from "ink";
import { isEndOfInput, isInterrupt, useKeys, type Finishable, type Keypress, type Outcome } from "./_keys.ts";
import { ListView, type ListRow } from "./_list.tsx";

/** What was picked: an option's index, or "random". */
export type Picked = number | "random";

export interface ChoiceProps {
  question: string;
  labels: readonly string[];
  allowRandom?: boolean;
  /** The index of the default option. */
  defaultIndex?: number;
  /** Terminal rows the widget may use. */
  height: number;
  onDone: (outcome: Outcome<Picked>) => void;
}

interface ChoiceState extends Finishable<Picked> {
  /** The highlighted row (with allowRandom, row 0 is "random"). */
  cursor: number;
  /** Digits typed so far, so that 1 then 2 reaches option 12. */
  digits: string;
}

function step(props: ChoiceProps, state: ChoiceState, press: Keypress): ChoiceState {
  const { input, key } = press;
  const offset = props.allowRandom ? 1 : 0;
  const rows = props.labels.length + offset;
  const page = Math.max(props.height - 4, 1);
  const pick = (row: number): Outcome<Picked> => ({ kind: "answer", value: row < offset ? "random" : row - offset });
  const move = (cursor: number): ChoiceState => ({ cursor, digits: "" });
  if (isInterrupt(press)) return { ...state, outcome: { kind: "interrupted" } };
  if (isEndOfInput(press)) {
    const fallback = props.allowRandom ? 0 : props.defaultIndex;
    return fallback === undefined ? { ...state, outcome: { kind: "end-of-input" } } : { cursor: fallback, digits: "", outcome: pick(fallback) };
  }
  if (key.return || input === "\n") return { ...state, outcome: pick(state.cursor) };
  if (key.upArrow || input === "k") return move((state.cursor - 1 + rows) % rows);
  if (key.downArrow || input === "j") return move((state.cursor + 1) % rows);
  if (key.pageUp) return move(Math.max(state.cursor - page, 0));
  if (key.pageDown) return move(Math.min(state.cursor + page, rows - 1));
  if (key.home || input === "g") return move(0);
  if (key.end || input === "G") return move(rows - 1);
  if (/^[0-9]$/.test(input)) {
    for (const digits of [state.digits + input, input]) {
      const n = Number(digits);
      if (n >= 1 && n <= props.labels.length) return { cursor: n - 1 + offset, digits };
    }
    return { ...state, digits: "" };
  }
  return state;
}

export function Choice(props: ChoiceProps) {
  const initial = props.allowRandom ? 0 : (props.defaultIndex ?? 0);
  const state = useKeys<ChoiceState, Picked>(() => ({ cursor: initial, digits: "" }), (s, p) => step(props, s, p), props.onDone);
  const outcome = state.outcome;
  if (outcome?.kind === "answer") {
    const label = outcome.value === "random" ? "random" : props.labels[outcome.value]!;
    return <Text><Text color="cyan">{`  ${props.question}: `}</Text><Text bold>{label}</Text></Text>;
  }
  if (outcome?.kind === "interrupted") return <Text><Text color="cyan">{`  ${props.question}: `}</Text><Text dimColor>^C</Text></Text>;
  const width = String(props.labels.length).length;
  const rows: ListRow[] = props.labels.map((label, i) => ({ prefix: String(i + 1).padStart(width), label }));
  if (props.allowRandom) rows.unshift({ prefix: " ".repeat(width), label: "random" });
  return (
    <Box flexDirection="column">
      <Text color="cyan">{`  ${props.question}`}</Text>
      <ListView rows={rows} cursor={state.cursor} height={Math.max(props.height - 2, 3)} />
      <Text dimColor>    ↑/↓ move, a number jumps, Enter picks</Text>
    </Box>
  );
}
