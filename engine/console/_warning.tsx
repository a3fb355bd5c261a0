/** @jsxImportSource react */
// Warning: `*** WARNING: text ***`, as widgets show it (Console.warning prints the same line directly).
import { Text } from "ink";

export function Warning({ text }: { text: string }) {
  return (
    <Text>
      <Text color="yellow">*** </Text>
      <Text color="red">WARNING: </Text>
      <Text color="red" bold>{text}</Text>
      <Text color="yellow"> ***</Text>
    </Text>
  );
}
