// A terminal that lives at the other end of a connection: keys arrive as data, output leaves as
// data, and the size is whatever the far side reports. Shells and Ptys use it like a real TTY.
import { EventEmitter } from "node:events";
import { lazyClass, nodeStream } from "../engine/_builtins.ts";

/** Keys from the far side: a stream that says it is a TTY (raw mode is the far side's business). */
const virtualInput = lazyClass(() => class VirtualInput extends nodeStream().PassThrough {
  readonly isTTY = true;
  isRaw = false;

  setRawMode(raw: boolean): this {
    this.isRaw = raw;
    return this;
  }
});
export type VirtualInput = InstanceType<ReturnType<typeof virtualInput>>;
export const newVirtualInput = (): VirtualInput => new (virtualInput())();

/** Output to the far side, with a size and "resize" events like a tty.WriteStream. */
export class VirtualOutput extends EventEmitter {
  readonly isTTY = true;
  private closed = false;

  constructor(public rows: number, public columns: number, private readonly sink: (data: string | Uint8Array) => void) {
    super();
  }

  write(data: string | Uint8Array, callback?: () => void): boolean {
    if (!this.closed && (typeof data === "string" ? data.length : data.byteLength) > 0) this.sink(data);
    callback?.();
    return true;
  }

  resize(rows: number, columns: number): void {
    if (rows === this.rows && columns === this.columns) return;
    this.rows = rows;
    this.columns = columns;
    this.emit("resize");
  }

  getWindowSize(): [number, number] {
    return [this.columns, this.rows];
  }

  hasColors(): boolean {
    return true;
  }

  /** Drop output from now on (the far side left). */
  close(): void {
    this.closed = true;
  }
}
