/** @jsxImportSource react */
// ProgressLine: one progress bar's line, cut to the terminal's width so that redrawing it in place works.
import { renderToString, Text } from "ink";
import type { ProgressState } from "./_progress.ts";

export interface ProgressLineProps {
  state: ProgressState;
  format?: (state: ProgressState) => string;
}

export function ProgressLine({ state, format }: ProgressLineProps) {
  if (format) return <Text wrap="truncate-end">{format(state)}</Text>;
  const counter = state.expected !== undefined ? `${state.counter}/${state.expected} [${state.percentage} completed]` : `${state.counter}`;
  return (
    <Text wrap="truncate-end">
      <Text color="cyan">{`${state.message}:`}</Text>
      {"  "}
      <Text color="cyan" bold>{counter}</Text>
      {"  "}
      <Text color="cyan">{`[${state.duration}]`}</Text>
      {state.status !== "" && <Text color="green">{`  [${state.status}]`}</Text>}
    </Text>
  );
}

/** The line as a string `width` columns wide at most. */
export function progressLine(state: ProgressState, format: ProgressLineProps["format"], width: number): string {
  return renderToString(<ProgressLine state={state} format={format} />, { columns: width });
}
