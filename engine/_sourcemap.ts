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
  private readonly lines: Segment[][];
  private readonly sources: string[];

  constructor(json: string) {
    const raw = JSON.parse(json) as RawSourceMap;
    this.sources = raw.sources;
    this.lines = decodeMappings(raw.mappings);
  }

  /** The original position of a generated 1-based line and column, if it maps to one. */
  lookup(line: number, column: number): SourcePosition | undefined {
    const segments = this.lines[line - 1];
    if (!segments?.length) return undefined;
    let found: Segment | undefined;
    for (const segment of segments) {
      if (segment[0] > column - 1) break;
      found = segment;
    }
    found ??= segments[0]!;
    const source = this.sources[found[1]];
    return source === undefined ? undefined : { source, line: found[2] + 1, column: found[3] + 1 };
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
