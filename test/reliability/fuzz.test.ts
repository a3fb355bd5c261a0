// Random bytes (seeded; the seed is in every failure message, FUZZ_SEED=n repeats a run) to the
// shell's line editor, in process and through the real binary in a PTY, and to the session socket
// protocol of `deployer listen`. Afterwards everything is alive and serves a normal client.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { encode } from "../../cmd/_protocol.ts";
import { Env, Node, Pty } from "../../engine/index.ts";
import { Shell } from "../../shell/index.ts";
import { LineEditor, type ReadResult } from "../../shell/_editor.ts";
import { History } from "../../shell/_history.ts";
import * as D from "../../shell/_document.ts";
import { BINARY } from "../helpers/deployer.ts";
import { onScreen } from "../helpers/screen.ts";
import { until } from "../helpers/wait.ts";

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded generator, so a failing run can be repeated exactly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random input: mostly any byte, with escape sequences, UTF-8 and typing-like runs mixed in. */
function chunkOf(next: () => number, avoid: ReadonlySet<number> = new Set()): Buffer {
  const pieces = ["\x1b[A", "\x1b[B", "\x1b[C", "\x1b[D", "\x1b[3~", "\x1b[1;5C", "\x1b", "\x1b[", "\x1bO", "\t", "\r", "\x7f", "\x12", "\x03", "ü", "日本", "cd ", "ls", "..", "'", '"', "\\"];
  const bytes: number[] = [];
  const length = 1 + Math.floor(next() * 24);
  while (bytes.length < length) {
    const r = next();
    if (r < 0.3) bytes.push(...Buffer.from(pieces[Math.floor(next() * pieces.length)]!));
    else bytes.push(Math.floor(next() * 256));
  }
  return Buffer.from(bytes.filter((b) => !avoid.has(b)));
}

async function withSeed(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    throw new Error(`fuzz failure with FUZZ_SEED=${SEED}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  }
}

class Web extends Node {
  async deploy(version: string) { return `deployed ${version}`; }
}
class Root extends Node {
  web = Web;
  ["it's odd"] = Web;
  async hello() { return "hello"; }
}

describe("the line editor in process", () => {
  test("three thousand random chunks: it never throws or puts a control character in the line, and then reads a normal line", () => withSeed(async () => {
    const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(raw: boolean): void; isRaw: boolean };
    input.isTTY = true;
    input.isRaw = false;
    input.setRawMode = (raw) => { input.isRaw = raw; };
    let shown = 0;
    const output = new Writable({ write(chunk, _, done) { shown += chunk.length; done(); } });
    const pty = new Pty(input, output as never, { interactive: true });
    const shell = new Shell({ root: Env.defaultFromNode(new Root(), { pty }), pty, color: true, version: "fuzz" });
    const editor = new LineEditor({ input, output, width: () => 80 }, new History(), (d: D.Document) => shell.complete(d), (items) => items);
    const next = random(SEED);
    const results: ReadResult[] = [];
    let reading = false;
    const read = () => {
      reading = true;
      void editor.read("fuzz > ").then((result) => { results.push(result); reading = false; });
    };
    for (let i = 0; i < 3000; i++) {
      if (!reading) read();
      // Without Enter and Ctrl-D, so it is all one line: a line ended early would leave the rest
      // of the input waiting in the paused stream.
      input.write(chunkOf(next, new Set([0x0d, 0x0a, 0x04])));
      // Let keypress decoding, completion and rendering run between chunks.
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // Out of whatever state it is in (search, a half escape sequence): clear the line, type a normal one.
    await new Promise((resolve) => setTimeout(resolve, 100));
    input.write("\x07\x07\x03deploy 'v 1.0'\r");
    await until(() => !reading, "the line to end");
    expect(results.at(-1)).toEqual({ kind: "line", text: "deploy 'v 1.0'" });
    // A C1 control (U+009B is a CSI of its own) never enters the line, so it never reaches the terminal raw.
    read();
    input.write("a\u009b2Jb\r");
    await until(() => !reading, "the line to end");
    expect(results.at(-1)).toEqual({ kind: "line", text: "a2Jb" });
    expect(shown).toBeGreaterThan(0);
  }), 120_000);
});

describe("the session server's socket", () => {
  let dir: string;
  let socket: string;
  let server: ReturnType<typeof Bun.spawn>;
  let log = "";
  const env = () => ({ XDG_STATE_HOME: join(dir, "state"), XDG_RUNTIME_DIR: join(dir, "run"), TMUX: "" });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "deployer-fuzz-"));
    writeFileSync(join(dir, "deploy.ts"), [
      `import { Node } from "deployer";`,
      `class Web extends Node { async deploy(version: string) { return "deployed " + version; } }`,
      `export default class Root extends Node { web = Web; async hello() { return "hello from the server"; } }`,
    ].join("\n"));
    socket = join(dir, "fuzz.sock");
    server = Bun.spawn([BINARY, "listen", "deploy.ts", "--socket", socket], { cwd: dir, env: { ...process.env, ...env() }, stdout: "pipe", stderr: "pipe" });
    void (async () => { for await (const chunk of server.stdout as ReadableStream<Uint8Array>) log += new TextDecoder().decode(chunk); })();
    await until(() => log.includes("Listening on"), "the server to listen");
  }, 30_000);
  afterAll(() => { server?.kill("SIGTERM"); });

  /** Connect, send `frames` (then close unless the server does first); resolves when the connection ends. */
  function session(frames: Buffer[]): Promise<void> {
    return new Promise((resolve) => {
      const raw = createConnection(socket, () => {
        for (const frame of frames) raw.write(frame);
        setTimeout(() => raw.end(), 20);
      });
      raw.on("data", () => {});
      raw.on("close", () => resolve());
      raw.on("error", () => resolve());
      setTimeout(() => { raw.destroy(); resolve(); }, 5_000);
    });
  }

  test("hundreds of connections of random bytes, random frames and random keys after a valid hello", () => withSeed(async () => {
    const next = random(SEED ^ 0x5eed);
    const hello = () => encode({ type: "hello", rows: 24, cols: 80, term: "xterm", path: [], action: [], scp: false, cwd: dir, color: false, windows: false });
    const frame = (body: Buffer) => Buffer.concat([Buffer.from([0, 0, body.length >> 8, body.length & 0xff]), body]);
    for (let round = 0; round < 60; round++) {
      const batch: Array<Promise<void>> = [];
      for (let k = 0; k < 8; k++) {
        const kind = Math.floor(next() * 5);
        const noise = chunkOf(next);
        const frames =
          kind === 0 ? [noise] // raw bytes
          : kind === 1 ? [frame(noise)] // a well-sized frame of garbage
          : kind === 2 ? [frame(Buffer.from(JSON.stringify({ type: ["hello", "input", "resize", "info", "x"][Math.floor(next() * 5)], rows: next() * 1e6 - 5e5, cols: -1, data: noise.toString("latin1"), path: [noise.toString()], action: {} })))]
          : kind === 3 ? [hello(), ...Array.from({ length: 8 }, () => encode({ type: "input", data: chunkOf(next, new Set([0x04])).toString("base64") }))]
          : [hello(), encode({ type: "resize", rows: Math.floor(next() * 3000) - 100, cols: Math.floor(next() * 3000) - 100 }), encode({ type: "input", data: Buffer.from("\x04").toString("base64") })];
        batch.push(session(frames));
      }
      await Promise.all(batch);
    }
    expect(server.exitCode).toBeNull();
    expect(log).not.toContain("internal error");
    // A normal client is still served.
    const screen = await onScreen(["connect", "--socket", socket], { cwd: dir, env: env() });
    await screen.waitForLast("Root > ");
    screen.type("web deploy v2\r");
    await screen.waitFor("deployed v2");
    screen.type("\x04");
    await screen.exited;
  }), 300_000);
});

describe("the real binary's shell in a PTY", () => {
  test("random keystrokes, then the shell still runs an action", () => withSeed(async () => {
    const dir = mkdtempSync(join(tmpdir(), "deployer-fuzz-pty-"));
    writeFileSync(join(dir, "deploy.ts"), [
      `import { Node } from "deployer";`,
      `class Web extends Node { async deploy(version: string) { return "deployed " + version; } }`,
      `export default class Root extends Node { web = Web; }`,
    ].join("\n"));
    const screen = await onScreen(["run", "deploy.ts", "-s"], { cwd: dir, env: { XDG_STATE_HOME: join(dir, "state") } });
    await screen.waitForLast("Root > ");
    const next = random(SEED ^ 0x7e57);
    // Not the keys that end a terminal program by design: Ctrl-D (end of input), Ctrl-Z and Ctrl-\ (signals).
    const avoid = new Set([0x04, 0x1a, 0x1c]);
    for (let i = 0; i < 300; i++) {
      // Enter only at a prompt: a random line may be a valid command (ls opens the pager).
      screen.type(chunkOf(next, new Set([...avoid, 0x0d, 0x0a])).toString("latin1"));
      if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    screen.type("\x07\x03");
    await screen.waitForLast(/Root[^>]* > $/);
    screen.type("cd /\rweb deploy v3\r");
    await screen.waitFor("deployed v3");
    screen.type("\x04");
    expect((await screen.exited).exitCode).toBe(0);
  }), 120_000);
});
