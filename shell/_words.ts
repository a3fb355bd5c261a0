// Splitting a command line into words: spaces separate, quotes keep spaces, backslash escapes.

export interface Word {
  /** The word as the command sees it (quotes removed). */
  value: string;
  /** Where it starts and ends in the line (including quotes). */
  start: number;
  end: number;
}

export interface SplitLine {
  words: Word[];
  /** The line ends inside an unterminated quote. */
  openQuote: '"' | "'" | undefined;
}

/** Split `line`; a trailing space (or an empty line) yields a final empty word, for completion. */
export function splitWords(line: string, options: { trailingEmpty?: boolean } = {}): SplitLine {
  const words: Word[] = [];
  let current: Word | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (!quote && /\s/.test(char)) {
      if (current) words.push(current);
      current = undefined;
      continue;
    }
    current ??= { value: "", start: i, end: i };
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < line.length && /["\\$`]/.test(line[i + 1]!)) current.value += line[++i];
      else current.value += char;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === "\\" && i + 1 < line.length) {
      current.value += line[++i];
    } else {
      current.value += char;
    }
    current.end = i + 1;
  }
  if (current) words.push(current);
  const endsWithSpace = !quote && /\s$/.test(line);
  if (options.trailingEmpty && (words.length === 0 || endsWithSpace)) words.push({ value: "", start: line.length, end: line.length });
  return { words, openQuote: quote };
}

/** Quote a completion so it stays one word (only when it needs it). */
export function quoteWord(value: string): string {
  return /^[\w@%+=:,./~-]+$/.test(value) || value === "" ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
