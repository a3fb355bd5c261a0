// Mapping positions in a generated bundle back to the user's files (source map v3 decoding).

export interface SourcePosition {
  source: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

interface RawSourceMap {
  sources: string[];
  mappings: string;
}

type Segment = [generatedColumn: number, sourceIndex: number, sourceLine: number, sourceColumn: number];

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A decoded source map that answers "where did line L, column C come from?". */
export class SourceMap {
  /** Decoded on the first lookup: most runs never map a stack trace, and a large bundle's map takes a while. */
  private decoded: { lines: Segment[][]; sources: string[] } | null | undefined;

  constructor(private readonly json: string) {}

  /** The original position of a generated 1-based line and column, if it maps to one. */
  lookup(line: number, column: number): SourcePosition | undefined {
    this.decoded ??= decode(this.json);
    if (!this.decoded) return undefined;
    const segments = this.decoded.lines[line - 1];
    if (!segments?.length) return undefined;
    let found: Segment | undefined;
    for (const segment of segments) {
      if (segment[0] > column - 1) break;
      found = segment;
    }
    found ??= segments[0]!;
    const source = this.decoded.sources[found[1]];
    return source === undefined ? undefined : { source, line: found[2] + 1, column: found[3] + 1 };
  }
}

/** The map's lines and sources; null for a map that cannot be read (positions then stay unmapped). */
function decode(json: string): { lines: Segment[][]; sources: string[] } | null {
  try {
    const raw = JSON.parse(json) as RawSourceMap;
    return { lines: decodeMappings(raw.mappings), sources: raw.sources };
  } catch {
    return null;
  }
}

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let sourceIndex = 0, sourceLine = 0, sourceColumn = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Segment[] = [];
    let generatedColumn = 0;
    for (const segmentText of lineText.split(",")) {
      if (!segmentText) continue;
      const values = decodeVlq(segmentText);
      generatedColumn += values[0]!;
      if (values.length >= 4) {
        sourceIndex += values[1]!;
        sourceLine += values[2]!;
        sourceColumn += values[3]!;
        segments.push([generatedColumn, sourceIndex, sourceLine, sourceColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0, shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
