// `deployer connect --socket S`: this terminal becomes one of a shared session's terminals.
import { lstatSync } from "node:fs";
import type { Socket } from "node:net";
import { nodeChildProcess, nodeNet } from "../engine/_builtins.ts";
import type { ParsedArgs } from "./_args.ts";
import { CliError } from "./_errors.ts";
import type { Io } from "./index.ts";
import { splitPath } from "./_interaction.ts";
import { FrameReader, ProtocolError, send, type ServerMessage } from "./_protocol.ts";
import { selfCommandLine } from "./_self.ts";
import { ownUid } from "./_private_dir.ts";
import { socketPath } from "./_sockets.ts";

type TtyIn = Io["stdin"] & { setRawMode?: (raw: boolean) => unknown; isRaw?: boolean };
type TtyOut = Io["stdout"] & { rows?: number; columns?: number };

/** Connect to the session on `--socket`, relay this terminal, and resolve to the exit code it reports. */
export async function connectCommand(args: ParsedArgs, io: Io): Promise<number> {
  const path = socketPath(String(args.options.socket), io.cwd);
  const socket = await open(path);
  if (!args.action.length && !io.isTerminal("stdin")) {
    socket.destroy();
    throw new CliError("the shell needs a terminal: run an action instead with -- NODE... ACTION [ARG...]");
  }
  const stdin = io.stdin as TtyIn;
  const stdout = io.stdout as TtyOut;
  const size = () => ({ rows: stdout.rows || 24, cols: stdout.columns || 80 });
  send(socket, {
    type: "hello", ...size(), term: process.env.TERM || "xterm",
    path: splitPath(args.options.path), action: args.action, scp: args.options.scp === true, cwd: io.cwd,
    color: Boolean(stdout.isTTY) && !process.env.NO_COLOR, windows: Boolean(process.env.TMUX),
    window: typeof args.options.window === "string" ? args.options.window : undefined,
  });

  const wasRaw = stdin.isRaw ?? false;
  if (stdin.isTTY) stdin.setRawMode?.(true);
  const onInput = (data: Buffer) => send(socket, { type: "input", data: Buffer.from(data).toString("base64") });
  const onResize = () => send(socket, { type: "resize", ...size() });
  stdin.on("data", onInput);
  stdin.resume();
  stdout.on("resize", onResize);

  return await new Promise<number>((resolve) => {
    let exit: Extract<ServerMessage, { type: "exit" }> | undefined;
    const reader = new FrameReader();
    socket.on("data", (chunk: Buffer) => {
      try {
        for (const message of reader.push(chunk) as unknown as ServerMessage[]) {
          if (message.type === "output") stdout.write(Buffer.from(message.data, "base64"));
          else if (message.type === "exit") exit = message;
          else if (message.type === "open-window") openWindow(path, message.window, message.focus, io);
        }
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        socket.destroy();
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      stdin.off("data", onInput);
      stdin.pause();
      stdout.off("resize", onResize);
      if (stdin.isTTY) stdin.setRawMode?.(wasRaw);
      if (!exit) {
        io.stderr.write(`deployer: the session at ${path} closed the connection\n`);
        return resolve(1);
      }
      if (exit.error !== undefined) {
        const located = /^[^\s:]+:\d+:\d+: /.test(exit.error);
        io.stderr.write(located ? `${exit.error}\n` : `deployer: ${exit.error}\n`);
        for (const line of exit.details ?? []) io.stderr.write(`  ${line}\n`);
      }
      resolve(exit.code);
    });
  });
}

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // Another user's socket would be theirs to serve: what is typed here (sudo passwords) would go to them.
    const owner = ownerOf(path);
    if (owner !== undefined && owner !== ownUid()) return reject(new CliError(`--socket ${path}: the socket belongs to another user (uid ${owner}); refusing to connect`));
    const socket = nodeNet().createConnection(path);
    socket.once("connect", () => { socket.removeAllListeners("error"); resolve(socket); });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const why = error.code === "ENOENT" || error.code === "ECONNREFUSED" ? "no session is listening there" : error.message;
      reject(new CliError(`--socket ${path}: ${why} (start one with: deployer listen FILE)`));
    });
  });
}

function ownerOf(path: string): number | undefined {
  try {
    return lstatSync(path).uid;
  } catch {
    return undefined; // missing: connecting says no session is listening there
  }
}

/** A new tmux pane running another client of this session; elsewhere, say how to open one. */
function openWindow(path: string, token: string, focus: boolean, io: Io): void {
  const command = selfCommandLine(["connect", "--socket", path, "--window", token]);
  const split = nodeChildProcess().spawnSync("tmux", ["split-window", ...(focus ? [] : ["-d"]), "-c", io.cwd, command], { stdio: "ignore" });
  if (split.status !== 0) {
    io.stdout.write(`\r\nCould not open a tmux pane; in another terminal run: deployer connect --socket ${path}\r\n`);
    return;
  }
  nodeChildProcess().spawnSync("tmux", ["select-layout", "tiled"], { stdio: "ignore" });
}
