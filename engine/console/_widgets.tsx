/** @jsxImportSource react */
// The Ink widgets as the Console uses them (loaded on first use, see _load.ts): each shows one widget on a Pty.
import type { Pty } from "../pty.ts";
import { Choice, type Picked } from "./_choice.tsx";
import { Confirm } from "./_confirm.tsx";
import { Input } from "./_input.tsx";
import type { Outcome } from "./_keys.ts";
import { mount } from "./_mount.ts";
import { Pager, type MoreLines } from "./_pager.tsx";
import { SelectNode } from "./_select-node.tsx";

export { progressLine } from "./_progress-line.tsx";
export type { Outcome, Picked };

export function confirm(pty: Pty, question: string, fallback: boolean | undefined): Promise<Outcome<boolean>> {
  return mount<boolean>(pty, (done) => <Confirm question={question} default={fallback} onDone={done} />);
}

export function choice(pty: Pty, question: string, labels: readonly string[], settings: { allowRandom?: boolean; defaultIndex?: number }): Promise<Outcome<Picked>> {
  return mount<Picked>(pty, (done) => (
    <Choice question={question} labels={labels} allowRandom={settings.allowRandom} defaultIndex={settings.defaultIndex} height={pty.getHeight()} onDone={done} />
  ));
}

export function input(pty: Pty, label: string, options: { default?: string; answers?: readonly string[]; mask?: boolean }): Promise<Outcome<string>> {
  return mount<string>(pty, (done) => (
    <Input label={label} default={options.default} answers={options.answers} mask={options.mask} width={pty.getWidth()} onDone={done} />
  ));
}

export async function page(pty: Pty, first: readonly string[], more: MoreLines, pageSize: number): Promise<void> {
  await mount<void>(pty, (done, inputEnded) => <Pager first={first} more={more} pageSize={pageSize} inputEnded={inputEnded} onDone={done} />);
}

export function selectNode(pty: Pty, prompt: string, names: readonly string[]): Promise<Outcome<number>> {
  return mount<number>(pty, (done) => <SelectNode prompt={prompt} names={names} height={pty.getHeight()} onDone={done} />);
}
