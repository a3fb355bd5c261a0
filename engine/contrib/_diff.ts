// A unified line diff (what `diff -u` prints), computed here so Config can compare a file on a host
// with the content it would write without uploading anything. Myers' algorithm on the lines between
// the common prefix and suffix; hunks grouped as difflib and GNU diff group them.

export interface UnifiedDiffOptions {
  /** The name on the `---` line (default "current"). */
  fromFile?: string;
  /** The name on the `+++` line (default "new"). */
  toFile?: string;
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
}

/** One run of lines: `a[i1, i2)` becomes `b[j1, j2)`. */
interface Opcode {
  tag: "equal" | "replace" | "delete" | "insert";
  i1: number;
  i2: number;
  j1: number;
  j2: number;
}

/**
 * Beyond this many inserted plus deleted lines the search for the shortest edit stops and the rest
 * of the middle is shown as one replacement: the diff stays correct, only not minimal, and time and
 * memory stay bounded (the search keeps O(D²) numbers).
 */
const MAX_EDIT_DISTANCE = 2000;

/**
 * The unified diff from `a` to `b`, as `diff -u` prints it (with `\ No newline at end of file`
 * where a text does not end with one). Empty when the texts are equal.
 */
export function unifiedDiff(a: string, b: string, options: UnifiedDiffOptions = {}): string {
  if (a === b) return "";
  const context = options.context ?? 3;
  const from = splitLines(a);
  const to = splitLines(b);
  const out = [`--- ${options.fromFile ?? "current"}\n`, `+++ ${options.toFile ?? "new"}\n`];
  for (const group of groupOpcodes(opcodes(from, to), context)) {
    const first = group[0]!;
    const last = group.at(-1)!;
    out.push(`@@ -${range(first.i1, last.i2)} +${range(first.j1, last.j2)} @@\n`);
    for (const op of group) {
      if (op.tag === "equal") {
        for (let i = op.i1; i < op.i2; i++) out.push(line(" ", from[i]!));
        continue;
      }
      for (let i = op.i1; i < op.i2; i++) out.push(line("-", from[i]!));
      for (let j = op.j1; j < op.j2; j++) out.push(line("+", to[j]!));
    }
  }
  return out.join("");
}

/** Lines with their newline kept, so a missing final newline is a difference. */
function splitLines(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

function line(mark: string, text: string): string {
  return text.endsWith("\n") ? `${mark}${text}` : `${mark}${text}\n\\ No newline at end of file\n`;
}

/** A hunk range: `start,count`, or `start` alone for one line; an empty range starts at the line before. */
function range(start: number, stop: number): string {
  const count = stop - start;
  if (count === 1) return `${start + 1}`;
  return `${count === 0 ? start : start + 1},${count}`;
}

/** The edit from `a` to `b` as runs of equal and changed lines. */
function opcodes(a: readonly string[], b: readonly string[]): Opcode[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const codes: Opcode[] = [];
  const push = (tag: "equal" | "change", i1: number, i2: number, j1: number, j2: number): void => {
    if (i1 === i2 && j1 === j2) return;
    const kind = tag === "equal" ? "equal" : i1 === i2 ? "insert" : j1 === j2 ? "delete" : "replace";
    const previous = codes.at(-1);
    // Neighbouring changes merge into one replacement (deleted lines first, as diff prints them).
    if (previous && kind !== "equal" && previous.tag !== "equal") {
      previous.i2 = i2;
      previous.j2 = j2;
      previous.tag = previous.i1 === previous.i2 ? "insert" : previous.j1 === previous.j2 ? "delete" : "replace";
      return;
    }
    codes.push({ tag: kind, i1, i2, j1, j2 });
  };
  push("equal", 0, prefix, 0, prefix);
  const matches = middleMatches(a.slice(prefix, a.length - suffix), b.slice(prefix, b.length - suffix));
  let i = prefix;
  let j = prefix;
  for (const [mi, mj, length] of matches) {
    push("change", i, prefix + mi, j, prefix + mj);
    push("equal", prefix + mi, prefix + mi + length, prefix + mj, prefix + mj + length);
    i = prefix + mi + length;
    j = prefix + mj + length;
  }
  push("change", i, a.length - suffix, j, b.length - suffix);
  push("equal", a.length - suffix, a.length, b.length - suffix, b.length);
  return codes;
}

/**
 * The runs of lines `a` and `b` share along a shortest edit script (Myers 1986), as
 * `[start in a, start in b, length]` in order; none when the edit is longer than MAX_EDIT_DISTANCE.
 */
function middleMatches(a: readonly string[], b: readonly string[]): Array<[number, number, number]> {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [];
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, d, n, m);
    }
  }
  return [];
}

/** Walk the saved frontiers back from (n, m), collecting the diagonal runs. */
function backtrack(trace: Int32Array[], last: number, n: number, m: number): Array<[number, number, number]> {
  const runs: Array<[number, number, number]> = [];
  let x = n;
  let y = m;
  for (let d = last; d >= 0; d--) {
    const frame = trace[d]!;
    // frame[i] holds v[k] for k = i - d - 1.
    const at = (k: number) => frame[k + d + 1]!;
    const k = x - y;
    let startX = 0;
    let startY = 0;
    if (d > 0) {
      const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
      const prevK = down ? k + 1 : k - 1;
      const prevX = at(prevK);
      const prevY = prevX - prevK;
      startX = down ? prevX : prevX + 1;
      startY = down ? prevY + 1 : prevY;
      if (x > startX) runs.push([startX, startY, x - startX]);
      x = prevX;
      y = prevY;
    } else if (x > 0) {
      runs.push([0, 0, x]);
    }
  }
  return runs.reverse();
}

/** Opcodes cut into hunks with `n` lines of context; changes closer than 2n lines share a hunk. */
function groupOpcodes(codes: Opcode[], n: number): Opcode[][] {
  const list = codes.map((c) => ({ ...c }));
  const first = list[0]!;
  if (first.tag === "equal") {
    first.i1 = Math.max(first.i1, first.i2 - n);
    first.j1 = Math.max(first.j1, first.j2 - n);
  }
  const lastCode = list.at(-1)!;
  if (lastCode.tag === "equal") {
    lastCode.i2 = Math.min(lastCode.i2, lastCode.i1 + n);
    lastCode.j2 = Math.min(lastCode.j2, lastCode.j1 + n);
  }
  const groups: Opcode[][] = [];
  let group: Opcode[] = [];
  for (const code of list) {
    let { i1, j1 } = code;
    if (code.tag === "equal" && code.i2 - code.i1 > 2 * n) {
      group.push({ ...code, i2: Math.min(code.i2, code.i1 + n), j2: Math.min(code.j2, code.j1 + n) });
      groups.push(group);
      group = [];
      i1 = Math.max(i1, code.i2 - n);
      j1 = Math.max(j1, code.j2 - n);
    }
    group.push({ ...code, i1, j1 });
  }
  if (group.length > 0 && !(group.length === 1 && group[0]!.tag === "equal")) groups.push(group);
  return groups;
}
