/** @jsxImportSource react */
// Input: a line of text. The default shows dimmed until something is typed; Tab completes from `answers`
// (listing them when several fit); Backspace and Ctrl-U edit; Enter accepts (an empty line takes the
// default); Ctrl-D on an empty line takes the default; Ctrl-C interrupts. With `mask`, only `*`s are drawn.
import { Box, Text } from "ink";
import { ColumnsView } from "./_columns-view.tsx";
import { isBackspace, isEndOfInput, isInterrupt, typedText, useKeys, type Finishable, type Keypress, type Outcome } from "./_keys.ts";
import { Warning } from "./_warning.tsx";

export interface InputProps {
  label: string;
  default?: string;
  /** The accepted answers (also Tab's completions); anything else is refused. */
  answers?: readonly string[];
  /** A password: never drawn, only `*`s; the answer is shown as `***`. */
  mask?: boolean;
  /** Terminal columns, for listing completions. */
  width: number;
  onDone: (outcome: Outcome<string>) => void;
}

interface InputState extends Finishable<string> {
  text: string;
  /** The answers Tab found but could not choose between. */
  candidates: readonly string[];
  /** The last Enter gave an answer that is not one of `answers`. */
  invalid: boolean;
}

const edited = (text: string): InputState => ({ text, candidates: [], invalid: false });

/** What Tab adds to `text`, and the candidates when it cannot decide. */
export function complete(text: string, answers: readonly string[]): { added: string; candidates: string[] } {
  const matches = answers.filter((a) => a.startsWith(text));
  if (matches.length === 0) return { added: "", candidates: [] };
  let common = matches[0]!;
  for (const m of matches) while (!m.startsWith(common)) common = common.slice(0, -1);
  const added = common.slice(text.length);
  return { added, candidates: added === "" && matches.length > 1 ? matches : [] };
}

function step(props: InputProps, state: InputState, press: Keypress): InputState {
  const { input, key } = press;
  if (isInterrupt(press)) return { ...state, outcome: { kind: "interrupted" } };
  if (isEndOfInput(press)) {
    if (state.text !== "") return state;
    return { ...state, outcome: props.default === undefined ? { kind: "end-of-input" } : { kind: "answer", value: props.default } };
  }
  if (key.return || input === "\n") {
    const value = state.text === "" && props.default !== undefined ? props.default : state.text;
    if (value === "") return state;
    if (props.answers && !props.answers.includes(value)) return { ...edited(""), invalid: true };
    return { ...state, outcome: { kind: "answer", value } };
  }
  if (isBackspace(press)) return edited([...state.text].slice(0, -1).join(""));
  if (key.ctrl && input === "u") return edited("");
  if (key.tab) {
    const { added, candidates } = complete(state.text, props.answers ?? []);
    return { ...edited(state.text + added), candidates };
  }
  const typed = typedText(press);
  return typed === "" ? state : edited(state.text + typed);
}

export function Input(props: InputProps) {
  const state = useKeys<InputState, string>(() => edited(""), (s, p) => step(props, s, p), props.onDone);
  const mask = props.mask ?? false;
  const suffix = (props.answers?.length ? ` [${props.answers.join(",")}]` : "") + (mask && props.default !== undefined ? " (default=***)" : "");
  const prompt = <Text color="cyan">{`  ${props.label}${state.outcome ? "" : suffix}: `}</Text>;
  const outcome = state.outcome;
  if (outcome?.kind === "answer") return <Text>{prompt}<Text bold>{mask ? "***" : outcome.value}</Text></Text>;
  if (outcome) return <Text>{prompt}<Text dimColor>{outcome.kind === "interrupted" ? "^C" : ""}</Text></Text>;
  const shown = mask ? "*".repeat([...state.text].length) : state.text;
  const placeholder = state.text === "" && !mask && props.default !== undefined ? props.default : "";
  return (
    <Box flexDirection="column">
      <Text>
        {prompt}
        <Text bold>{shown}</Text>
        <Text inverse> </Text>
        <Text dimColor>{placeholder}</Text>
      </Text>
      {state.invalid && <Warning text="Invalid answer." />}
      {state.candidates.length > 0 && <ColumnsView items={state.candidates} width={props.width} marginLeft={4} />}
    </Box>
  );
}
