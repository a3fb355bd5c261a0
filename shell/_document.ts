// The input line as an immutable { text, cursor } document, and the edits the keys make.

export interface Document {
  readonly text: string;
  readonly cursor: number;
}

export const EMPTY: Document = { text: "", cursor: 0 };

export function doc(text: string, cursor = text.length): Document {
  return { text, cursor: Math.max(0, Math.min(cursor, text.length)) };
}

export const before = (d: Document) => d.text.slice(0, d.cursor);
export const after = (d: Document) => d.text.slice(d.cursor);

export function insert(d: Document, text: string): Document {
  return doc(before(d) + text + after(d), d.cursor + text.length);
}

export function deleteBackward(d: Document): Document {
  return d.cursor === 0 ? d : doc(d.text.slice(0, d.cursor - 1) + after(d), d.cursor - 1);
}

export function deleteForward(d: Document): Document {
  return d.cursor === d.text.length ? d : doc(before(d) + d.text.slice(d.cursor + 1), d.cursor);
}

export const home = (d: Document) => doc(d.text, 0);
export const end = (d: Document) => doc(d.text, d.text.length);
export const left = (d: Document) => doc(d.text, d.cursor - 1);
export const right = (d: Document) => doc(d.text, d.cursor + 1);

/** Ctrl-K: delete from the cursor to the end. */
export const killToEnd = (d: Document) => doc(before(d), d.cursor);
/** Ctrl-U: delete from the start to the cursor. */
export const killToStart = (d: Document) => doc(after(d), 0);

/** Ctrl-W: delete the word before the cursor (and the spaces after it). */
export function killWordBackward(d: Document): Document {
  const head = before(d).replace(/\S+\s*$/, "");
  return doc(head + after(d), head.length);
}

export function wordLeft(d: Document): Document {
  return doc(d.text, before(d).replace(/\S+\s*$/, "").length);
}

export function wordRight(d: Document): Document {
  const match = /^\s*\S+/.exec(after(d));
  return doc(d.text, d.cursor + (match ? match[0].length : after(d).length));
}

/** Replace text[start, cursor) with `text` (what a completion does). */
export function replaceBeforeCursor(d: Document, start: number, text: string): Document {
  return doc(d.text.slice(0, start) + text + after(d), start + text.length);
}
