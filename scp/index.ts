// The SCP shell: files on one host and on this machine.
export { ScpShell, type ScpShellOptions } from "./_scp.ts";
export { openScpShell } from "./_open.ts";
