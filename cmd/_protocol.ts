// The shared-session protocol: length-prefixed JSON messages over a unix socket. Only plain data
// crosses it (never code), and a frame that is too large or not JSON closes that one connection.
import type { Socket } from "node:net";

/** The largest frame accepted (a chunk of terminal output is far smaller). */
export const MAX_MESSAGE_BYTES = 1 << 20;

/** What a client asks for when it connects. */
export interface Hello {
  type: "hello";
  rows: number;
  cols: number;
  term: string;
  /** Start in this node. */
  path: string[];
  /** Run this action (node words, action, arguments) and exit, instead of a shell. */
  action: string[];
  scp: boolean;
  /** The working directory of the client (for the SCP shell's local side). */
  cwd: string;
  /** Whether the terminal shows colours (the client's NO_COLOR). */
  color: boolean;
  /** Whether the client can open windows (it runs inside tmux). */
  windows: boolean;
  /** The token of a window the server asked the client to open. */
  window?: string;
}

export type ClientMessage =
  | Hello
  | { type: "input"; data: string }
  | { type: "resize"; rows: number; cols: number }
  | { type: "info" };

/** One connected terminal, as list-sessions shows it. */
export interface ClientInfo {
  id: number;
  node: string;
  running: string;
}

export interface SessionInfo {
  type: "info";
  pid: number;
  created: string;
  script: string;
  root: string;
  clients: ClientInfo[];
}

export type ServerMessage =
  | { type: "output"; data: string }
  | { type: "exit"; code: number; error?: string; details?: string[] }
  | { type: "open-window"; window: string; focus: boolean }
  | SessionInfo;

/** Why a connection was dropped. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** Encode one message as a frame: 4-byte big-endian length, then UTF-8 JSON. */
export function encode(message: ClientMessage | ServerMessage): Buffer {
  const body = Buffer.from(JSON.stringify(message));
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** Splits a byte stream into messages; `push` throws ProtocolError on a bad or oversized frame. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Add bytes; returns every message now complete (parsed JSON objects with a string `type`). */
  push(chunk: Buffer): Array<{ type: string } & Record<string, unknown>> {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const messages: Array<{ type: string } & Record<string, unknown>> = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (length > MAX_MESSAGE_BYTES) throw new ProtocolError(`message of ${length} bytes is over the limit of ${MAX_MESSAGE_BYTES}`);
      if (this.buffer.length < 4 + length) break;
      const body = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      let message: unknown;
      try {
        message = JSON.parse(body.toString("utf8"));
      } catch {
        throw new ProtocolError("message is not JSON");
      }
      if (typeof message !== "object" || message === null || typeof (message as { type?: unknown }).type !== "string") {
        throw new ProtocolError("message has no type");
      }
      messages.push(message as { type: string } & Record<string, unknown>);
    }
    return messages;
  }
}

/** Send a message, unless the socket is gone. */
export function send(socket: Socket, message: ClientMessage | ServerMessage): void {
  if (!socket.destroyed && socket.writable) socket.write(encode(message));
}

/** Read a client's message into a typed one, or throw ProtocolError. */
export function parseClientMessage(raw: { type: string } & Record<string, unknown>): ClientMessage {
  switch (raw.type) {
    case "hello": {
      const words = (v: unknown): string[] => {
        if (!Array.isArray(v) || !v.every((w) => typeof w === "string")) throw new ProtocolError("hello: path and action must be lists of strings");
        return v as string[];
      };
      return {
        type: "hello",
        rows: size(raw.rows, 24), cols: size(raw.cols, 80),
        term: typeof raw.term === "string" && /^[\w.+-]{1,64}$/.test(raw.term) ? raw.term : "xterm",
        path: words(raw.path ?? []), action: words(raw.action ?? []), scp: raw.scp === true,
        cwd: typeof raw.cwd === "string" ? raw.cwd : "/",
        color: raw.color !== false, windows: raw.windows === true,
        window: typeof raw.window === "string" ? raw.window : undefined,
      };
    }
    case "input":
      if (typeof raw.data !== "string") throw new ProtocolError("input: data must be a base64 string");
      return { type: "input", data: raw.data };
    case "resize":
      return { type: "resize", rows: size(raw.rows, 24), cols: size(raw.cols, 80) };
    case "info":
      return { type: "info" };
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(raw.type).slice(0, 40)}`);
  }
}

/** A terminal dimension: a whole number from 1 to 10000, else the default. */
function size(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 10_000 ? value : fallback;
}
