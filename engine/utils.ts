// Small string helpers (the original's deployer.utils) and the one shell-quoting function.

/** Escape a string for use inside single quotes: `'${esc1(s)}'`. */
export function esc1(s: string): string {
  return s.replaceAll("'", `'\\''`);
}

/**
 * Escape a string for use inside double quotes: `"${esc2(s)}"`.
 * Unlike the original (which escaped only `"`), `\`, `$` and backticks are escaped too,
 * so the value is never expanded by the shell.
 */
export function esc2(s: string): string {
  return s.replace(/[\\"$`]/g, (c) => `\\${c}`);
}

/** Quote one word for a POSIX shell: the only function commands are built with. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${esc1(s)}'`;
}

/** Prefix every line with `prefix` and end every line, the last one too, with a newline. */
export function indent(s: string, prefix = "    "): string {
  const lines = s.endsWith("\n") ? s.slice(0, -1).split("\n") : s.split("\n");
  return lines.map((line) => `${prefix}${line}\n`).join("");
}
