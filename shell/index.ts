// The interactive deployment shell.
export { Shell, INTERRUPTED, defaultShellOptions, type ShellOptions } from "./_shell.ts";
