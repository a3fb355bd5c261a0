// `deployer listen FILE`: serve one session on a unix socket; `list-sessions`: what is being served.
import { nodeNet } from "../engine/_builtins.ts";
import { resolve } from "node:path";
import type { ParsedArgs } from "./_args.ts";
import type { Io } from "./index.ts";
import { loadDeployFile } from "./_loader.ts";
import { FrameReader, send, type SessionInfo } from "./_protocol.ts";
import { optionLoggers, parallelOption } from "./_run.ts";
import { SessionServer } from "./_server.ts";
import { READY } from "./_spawn.ts";
import { freeSocketPath, listRegisteredSockets, listSocketPaths, registerSocket, socketPath } from "./_sockets.ts";
import { rmSync } from "node:fs";

export async function listenCommand(args: ParsedArgs, io: Io): Promise<number> {
  const file = args.positional.FILE!;
  const { root, extraLoggers } = await loadDeployFile(file, io.cwd);
  const background = args.options["exit-when-idle"] === true;
  const path = typeof args.options.socket === "string" ? socketPath(args.options.socket, io.cwd) : freeSocketPath();
  const server = new SessionServer({
    file, script: resolve(io.cwd, file), root,
    interactive: !args.options["non-interactive"],
    acceptNewHostKeys: args.options["accept-new-host-keys"] === true,
    parallel: parallelOption(args),
    loggers: [...optionLoggers(args, io), ...extraLoggers],
    exitWhenIdle: background,
    // In the background nobody reads the server's output once it is ready.
    log: background ? () => {} : (line) => io.stdout.write(`${line}\n`),
  });
  await server.listen(path);
  const unregister = registerSocket(path);
  void server.stopped.then(unregister);
  process.title = `deployer listen ${file}`;
  const stop = () => void server.stop();
  // One terminal's bug must not end every terminal's session: report it and keep serving.
  const survive = (error: unknown) => io.stderr.write(`deployer: internal error in the session server: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.on("uncaughtException", survive);
  process.on("unhandledRejection", survive);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  if (background) {
    io.stdout.write(`${READY}\n`);
    // The starter closes our stdout and stderr once it has read that line.
    io.stdout.on("error", () => {});
    io.stderr.on("error", () => {});
  } else {
    io.stdout.write(`Listening on ${path}\nConnect with: deployer connect --socket ${path}\n`);
  }
  await server.stopped;
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  return 0;
}

/** Every live session of this user: its script, its terminals and what each runs. */
export async function listSessionsCommand(io: Io): Promise<number> {
  const registered = listRegisteredSockets();
  const paths = [...listSocketPaths(), ...registered.map((r) => r.socket)];
  const infos = (await Promise.all(paths.map(async (path) => [path, await askInfo(path)] as const)))
    .filter((entry): entry is readonly [string, SessionInfo] => entry[1] !== undefined);
  // A registration whose server is gone (killed) is forgotten.
  for (const { socket, entry } of registered) if (!infos.some(([path]) => path === socket)) rmSync(entry, { force: true });
  if (!infos.length) {
    io.stdout.write("No sessions.\n");
    return 0;
  }
  for (const [path, info] of infos) {
    io.stdout.write(`${path}\n`);
    io.stdout.write(`  ${info.script} (root ${info.root}), pid ${info.pid}, since ${info.created}\n`);
    io.stdout.write(`  Terminals: ${info.clients.length}\n`);
    for (const client of info.clients) {
      io.stdout.write(`    ${String(client.id).padStart(3)}  ${(client.node || "-").padEnd(30)} ${client.running}\n`);
    }
  }
  return 0;
}

/** A session's info, or undefined when nothing answers there (a stale socket file). */
function askInfo(path: string): Promise<SessionInfo | undefined> {
  return new Promise((done) => {
    const socket = nodeNet().createConnection(path);
    const reader = new FrameReader();
    const timer = setTimeout(() => { socket.destroy(); done(undefined); }, 5000);
    const finish = (info: SessionInfo | undefined) => { clearTimeout(timer); socket.destroy(); done(info); };
    socket.once("connect", () => send(socket, { type: "info" }));
    socket.on("data", (chunk: Buffer) => {
      try {
        const info = reader.push(chunk).find((m) => m.type === "info");
        if (info) finish(info as unknown as SessionInfo);
      } catch {
        finish(undefined);
      }
    });
    socket.on("error", () => finish(undefined));
    socket.on("close", () => finish(undefined));
  });
}
