/** @jsxImportSource react */
// SelectNode: pick a node by its full name. Typing filters the list (any part of the name, any case), Tab
// completes the typed text as far as the matching names agree, ↑/↓ move, Enter picks; Ctrl-C interrupts.
import { Box, Text } from "ink";
import { complete } from "./_input.tsx";
import { isBackspace, isInterrupt, typedText, useKeys, type Finishable, type Keypress, type Outcome } from "./_keys.ts";
import { ListView } from "./_list.tsx";

export interface SelectNodeProps {
  prompt: string;
  /** Full names of the nodes to choose from, in walk order. */
  names: readonly string[];
  /** Terminal rows the widget may use. */
  height: number;
  /** The index of the picked name. */
  onDone: (outcome: Outcome<number>) => void;
}

interface SelectState extends Finishable<number> {
  filter: string;
  /** Position in the filtered list. */
  cursor: number;
}

/** Indexes of the names that contain `filter`, ignoring case. */
export function matching(names: readonly string[], filter: string): number[] {
  const wanted = filter.toLowerCase();
  return names.flatMap((name, i) => (name.toLowerCase().includes(wanted) ? [i] : []));
}

function step(props: SelectNodeProps, state: SelectState, press: Keypress): SelectState {
  const { input, key } = press;
  const matches = matching(props.names, state.filter);
  const filtered = (filter: string): SelectState => ({ filter, cursor: 0 });
  if (isInterrupt(press)) return { ...state, outcome: { kind: "interrupted" } };
  if (key.return || input === "\n") return matches.length ? { ...state, outcome: { kind: "answer", value: matches[state.cursor]! } } : state;
  if (key.upArrow) return matches.length ? { ...state, cursor: (state.cursor - 1 + matches.length) % matches.length } : state;
  if (key.downArrow) return matches.length ? { ...state, cursor: (state.cursor + 1) % matches.length } : state;
  if (isBackspace(press)) return filtered([...state.filter].slice(0, -1).join(""));
  if (key.ctrl && input === "u") return filtered("");
  if (key.tab) return filtered(state.filter + complete(state.filter, props.names).added);
  const typed = typedText(press);
  return typed === "" ? state : filtered(state.filter + typed);
}

export function SelectNode(props: SelectNodeProps) {
  const state = useKeys<SelectState, number>(() => ({ filter: "", cursor: 0 }), (s, p) => step(props, s, p), props.onDone);
  const prompt = <Text color="cyan">{`  ${props.prompt}: `}</Text>;
  const outcome = state.outcome;
  if (outcome?.kind === "answer") return <Text>{prompt}<Text bold>{props.names[outcome.value]}</Text></Text>;
  if (outcome) return <Text>{prompt}<Text dimColor>^C</Text></Text>;
  const matches = matching(props.names, state.filter);
  return (
    <Box flexDirection="column">
      <Text>{prompt}<Text bold>{state.filter}</Text><Text inverse> </Text></Text>
      {matches.length === 0
        ? <Text dimColor>    (no node matches)</Text>
        : <ListView rows={matches.map((i) => ({ label: props.names[i]! }))} cursor={state.cursor} height={Math.max(props.height - 2, 3)} />}
      <Text dimColor>    type to filter, Tab completes, ↑/↓ move, Enter picks</Text>
    </Box>
  );
}
