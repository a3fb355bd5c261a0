/** @jsxImportSource react */
// ColumnsView: items in columns (the pure `inColumns`, drawn), e.g. Tab's candidates under an input.
import { Box, Text } from "ink";
import { inColumns, type ColumnItem } from "./_columns.ts";

export function ColumnsView({ items, width, marginLeft = 0 }: { items: readonly ColumnItem[]; width: number; marginLeft?: number }) {
  return (
    <Box flexDirection="column">
      {inColumns(items, width, marginLeft).map((line, i) => <Text key={i}>{line}</Text>)}
    </Box>
  );
}
