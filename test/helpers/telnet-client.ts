// A scripted telnet client for tests: negotiates like a terminal client, collects what the server prints.
import { connect, type Socket } from "node:net";

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;
const ECHO = 1, SGA = 3, NAWS = 31;

/** A negotiation command the server sent, e.g. { verb: "DO", option: 31 }. */
export interface Negotiation {
  verb: "WILL" | "WONT" | "DO" | "DONT";
  option: number;
}

export interface TelnetClientOptions {
  port: number;
  host?: string;
  /** The window size reported when the server asks (DO NAWS); default 80×24. */
  cols?: number;
  rows?: number;
  /** Answer negotiations (the default); false leaves every request unanswered. */
  negotiate?: boolean;
}

/** A connected client. */
export interface TelnetClient {
  /** Every byte received, IAC sequences included. */
  readonly raw: Buffer;
  /** What the server printed: IAC sequences removed, IAC IAC decoded. */
  text(): string;
  /** Negotiation commands received, in order. */
  readonly negotiations: Negotiation[];
  /** Subnegotiations received (option byte first, IAC IAC decoded). */
  readonly subnegotiations: number[][];
  /** Send text as typed (UTF-8, 0xFF doubled). */
  send(text: string | Uint8Array): void;
  /** Send bytes exactly as given (for protocol tests). */
  sendRaw(bytes: Uint8Array | number[]): void;
  /** Report a new window size (IAC SB NAWS ... IAC SE, 0xFF doubled). */
  resize(cols: number, rows: number): void;
  /** Resolves once `pattern` appears in text(), escape sequences removed, after the previous match; fails after `timeoutMs` (a hang guard). */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves once the server has closed the connection; fails after `timeoutMs`. */
  waitForClose(timeoutMs?: number): Promise<void>;
  readonly closed: boolean;
  close(): void;
}

const VERBS = { [WILL]: "WILL", [WONT]: "WONT", [DO]: "DO", [DONT]: "DONT" } as const;

/** `text` without terminal escape sequences (colours, cursor moves, erases). */
export function stripEscapes(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

/** The bytes of a NAWS report, escaped. */
export function nawsBytes(cols: number, rows: number): number[] {
  const size = [cols >> 8, cols & 255, rows >> 8, rows & 255].flatMap((b) => (b === IAC ? [IAC, IAC] : [b]));
  return [IAC, SB, NAWS, ...size, IAC, SE];
}

/** Connect and start answering negotiations. */
export async function telnetClient(options: TelnetClientOptions): Promise<TelnetClient> {
  const socket: Socket = connect({ port: options.port, host: options.host ?? "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let cols = options.cols ?? 80;
  let rows = options.rows ?? 24;
  const chunks: Buffer[] = [];
  const data: number[] = [];
  const negotiations: Negotiation[] = [];
  const subnegotiations: number[][] = [];
  const wakers = new Set<() => void>();
  let state: "data" | "iac" | "option" | "sb" | "sb-iac" = "data";
  let verb = 0;
  let sb: number[] = [];
  let closed = false;
  let from = 0;
  const wake = () => wakers.forEach((w) => w());

  const answer = (v: number, option: number) => {
    if (options.negotiate === false) return;
    if (v === DO && option === NAWS) socket.write(Buffer.from([IAC, WILL, NAWS, ...nawsBytes(cols, rows)]));
    else if (v === WILL && (option === ECHO || option === SGA)) socket.write(Buffer.from([IAC, DO, option]));
    else if (v === DO && option === SGA) socket.write(Buffer.from([IAC, WILL, option]));
    else if (v === DO) socket.write(Buffer.from([IAC, WONT, option]));
    else if (v === WILL) socket.write(Buffer.from([IAC, DONT, option]));
  };

  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    for (const byte of chunk) {
      if (state === "data") {
        if (byte === IAC) state = "iac";
        else data.push(byte);
      } else if (state === "iac") {
        state = "data";
        if (byte === IAC) data.push(IAC);
        else if (byte === SB) [state, sb] = ["sb", []];
        else if (byte >= WILL) [state, verb] = ["option", byte];
      } else if (state === "option") {
        state = "data";
        negotiations.push({ verb: VERBS[verb as keyof typeof VERBS], option: byte });
        answer(verb, byte);
      } else if (state === "sb") {
        if (byte === IAC) state = "sb-iac";
        else sb.push(byte);
      } else if (byte === IAC) {
        sb.push(IAC);
        state = "sb";
      } else {
        if (byte === SE) subnegotiations.push(sb);
        state = "data";
      }
    }
    wake();
  });
  socket.on("error", () => undefined);
  socket.on("close", () => {
    closed = true;
    wake();
  });

  const text = () => Buffer.from(data).toString("utf8");
  /** The text without terminal escape sequences (colours, cursor moves). */
  const plain = () => stripEscapes(text());
  /** `done` says true when satisfied, or an error message when it never will be. */
  const until = (done: () => boolean | string, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const result = done();
        if (result === false) return;
        finish();
        if (result === true) resolve();
        else reject(new Error(`telnet client: ${result} while waiting for ${what}; received:\n${JSON.stringify(text())}`));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`telnet client: timed out waiting for ${what}; received:\n${JSON.stringify(text())}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        wakers.delete(check);
      };
      wakers.add(check);
      check();
    });

  return {
    get raw() { return Buffer.concat(chunks); },
    text,
    negotiations,
    subnegotiations,
    get closed() { return closed; },
    send(input) {
      const bytes = typeof input === "string" ? Buffer.from(input) : input;
      socket.write(Buffer.from([...bytes].flatMap((b) => (b === IAC ? [IAC, IAC] : [b]))));
    },
    sendRaw(bytes) {
      socket.write(Buffer.from(bytes));
    },
    resize(c, r) {
      [cols, rows] = [c, r];
      socket.write(Buffer.from(nawsBytes(c, r)));
    },
    async waitFor(pattern, timeoutMs = 10_000) {
      let match = "";
      const found = () => {
        const rest = plain().slice(from);
        const index = typeof pattern === "string" ? rest.indexOf(pattern) : rest.search(pattern);
        if (index < 0) return false;
        match = typeof pattern === "string" ? pattern : rest.match(pattern)![0];
        from += index + match.length;
        return true;
      };
      await until(() => found() || (closed ? "the connection closed" : false), JSON.stringify(String(pattern)), timeoutMs);
      return match;
    },
    waitForClose(timeoutMs = 10_000) {
      return until(() => closed, "the server to close the connection", timeoutMs);
    },
    close() {
      socket.destroy();
    },
  };
}
