// inColumns: items laid out in as many columns as a width allows (a pure function; ColumnsView draws it).

/** An item: a string (colour codes take no width) or `[text, visibleWidth]`. */
export type ColumnItem = string | readonly [text: string, width: number];

/** Lay items out in columns that fit `width`, one string per line, each line starting with `marginLeft` spaces. */
export function inColumns(items: Iterable<ColumnItem>, width: number, marginLeft = 0): string[] {
  const all = [...items].map((item) => (typeof item === "string" ? [item, visibleWidth(item)] as const : item));
  if (all.length === 0) return [];
  const margin = " ".repeat(marginLeft);
  const columnWidth = Math.max(...all.map(([, w]) => w)) + 1;
  const perLine = Math.max(Math.floor((width - margin.length) / columnWidth), 1);
  const lines: string[] = [];
  for (let i = 0; i < all.length; i += perLine) {
    const row = all.slice(i, i + perLine);
    lines.push(margin + row.map(([text, w], j) => (j < row.length - 1 ? text + " ".repeat(columnWidth - w) : text)).join(""));
  }
  return lines;
}

/** Width on screen: colour codes take none. */
export function visibleWidth(text: string): number {
  return [...text.replace(/\x1b\[[0-9;]*m/g, "")].length;
}
