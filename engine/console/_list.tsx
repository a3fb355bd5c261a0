/** @jsxImportSource react */
// ListView: a list with a pointer on one row, scrolled so the pointer stays in view (shared by choice and selectNode).
import { Box, Text } from "ink";

/** Which rows `[start, end)` to show so that `cursor` is visible within `height` rows (counting the "more" markers). */
export function listWindow(count: number, cursor: number, height: number): { start: number; end: number } {
  if (count <= height) return { start: 0, end: count };
  const rows = Math.max(height - 2, 1);
  const start = Math.min(Math.max(cursor - Math.floor(rows / 2), 0), count - rows);
  return { start, end: start + rows };
}

export interface ListRow {
  /** What sits left of the label, such as the option's number. */
  prefix?: string;
  label: string;
}

export function ListView({ rows, cursor, height }: { rows: readonly ListRow[]; cursor: number; height: number }) {
  const { start, end } = listWindow(rows.length, cursor, height);
  return (
    <Box flexDirection="column">
      {start > 0 && <Text dimColor>{`    ↑ ${start} more`}</Text>}
      {rows.slice(start, end).map((row, i) => {
        const selected = start + i === cursor;
        return (
          <Text key={start + i} wrap="truncate-end">
            <Text color="cyan">{selected ? "  ❯ " : "    "}</Text>
            {row.prefix !== undefined && <Text dimColor={!selected}>{`${row.prefix} `}</Text>}
            <Text bold={selected} inverse={selected}>{row.label}</Text>
          </Text>
        );
      })}
      {end < rows.length && <Text dimColor>{`    ↓ ${rows.length - end} more`}</Text>}
    </Box>
  );
}
