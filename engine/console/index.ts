// The Console: questions, pager, columns, warnings and progress bars for actions.
export { Console, type InputOptions, type ChoiceOption, type ChoiceOptions, type SelectNodeOptions } from "./_console.ts";
export { NoInput, type NoInputReason } from "./_no-input.ts";
export { ProgressBar, type ProgressState, type ProgressBarOptions } from "./_progress.ts";
export type { ColumnItem } from "./_columns.ts";
