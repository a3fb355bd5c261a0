/** @jsxImportSource react */
// Confirm: a yes/no question. The highlight starts on the default; y, n, ←/→ or Tab move it; Enter takes
// the highlighted answer (so "y⏎" answers, and no Enter is left over for the next question); Ctrl-D takes
// the default; Ctrl-C interrupts.
import { Text } from "ink";
import { isEndOfInput, isInterrupt, useKeys, type Finishable, type Keypress, type Outcome } from "./_keys.ts";

export interface ConfirmProps {
  question: string;
  default?: boolean;
  onDone: (outcome: Outcome<boolean>) => void;
}

interface ConfirmState extends Finishable<boolean> {
  /** The answer Enter takes; undefined until there is a default or an arrow is pressed. */
  selected: boolean | undefined;
}

const answer = (value: boolean): ConfirmState => ({ selected: value, outcome: { kind: "answer", value } });

function step(props: ConfirmProps, state: ConfirmState, press: Keypress): ConfirmState {
  const { input, key } = press;
  if (isInterrupt(press)) return { ...state, outcome: { kind: "interrupted" } };
  if (isEndOfInput(press)) return props.default === undefined ? { ...state, outcome: { kind: "end-of-input" } } : answer(props.default);
  if (input === "y" || input === "Y" || key.leftArrow) return { selected: true };
  if (input === "n" || input === "N" || key.rightArrow) return { selected: false };
  if (key.tab) return { selected: !(state.selected ?? false) };
  if ((key.return || input === "\n") && state.selected !== undefined) return answer(state.selected);
  return state;
}

/** One of the two letters; the highlighted one (what Enter takes) is in capitals. */
function Letter({ letter, on }: { letter: string; on: boolean }) {
  return on ? <Text bold inverse>{letter.toUpperCase()}</Text> : <Text>{letter}</Text>;
}

export function Confirm(props: ConfirmProps) {
  const state = useKeys<ConfirmState, boolean>(() => ({ selected: props.default }), (s, p) => step(props, s, p), props.onDone);
  const question = <Text color="cyan">{`  ${props.question} `}</Text>;
  const outcome = state.outcome;
  if (outcome?.kind === "answer") return <Text>{question}<Text bold>{outcome.value ? "yes" : "no"}</Text></Text>;
  if (outcome?.kind === "interrupted") return <Text>{question}<Text dimColor>^C</Text></Text>;
  return (
    <Text>
      {question}[<Letter letter="y" on={state.selected === true} />/<Letter letter="n" on={state.selected === false} />]
    </Text>
  );
}
