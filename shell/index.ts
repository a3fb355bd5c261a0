// The interactive deployment shell.
export { Shell, INTERRUPTED, type ShellOptions } from "./_shell.ts";
