// Small string helpers (the original's deployer.utils) and the one shell-quoting function.

/** Escape a string for use inside single quotes: `'${esc1(s)}'`. */
export function esc1(s: string): string {
  return noNul(s, "esc1").replaceAll("'", `'\\''`);
}

/**
 * Escape a string for use inside double quotes: `"${esc2(s)}"`.
 * Unlike the original (which escaped only `"`), `\`, `$` and backticks are escaped too,
 * so the value is never expanded by the shell.
 */
export function esc2(s: string): string {
  return noNul(s, "esc2").replace(/[\\"$`]/g, (c) => `\\${c}`);
}

/** Quote one word for a POSIX shell: the only function commands are built with. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${noNul(s, "shellQuote").replaceAll("'", `'\\''`)}'`;
}

/**
 * `s` itself, or a TypeError when it holds a NUL byte: command lines and file paths are C strings,
 * so bash, sshd, sftp-server or the kernel would cut it off there, or drop the connection.
 */
export function noNul(s: string, what: string): string {
  const at = s.indexOf("\0");
  if (at < 0) return s;
  const shown = JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
  throw new TypeError(`${what}: ${shown} has a NUL byte (\\0) at offset ${at}; commands and file paths end at the first NUL, so it cannot be passed on unchanged`);
}

/** Prefix every line with `prefix` and end every line, the last one too, with a newline. */
export function indent(s: string, prefix = "    "): string {
  const lines = s.endsWith("\n") ? s.slice(0, -1).split("\n") : s.split("\n");
  return lines.map((line) => `${prefix}${line}\n`).join("");
}
