// `deployer telnet-server FILE`: the shell over telnet, every session sharing one node tree and its
// connections. Loopback only unless --bind says otherwise; optional logins from a password file.
import { resolve } from "node:path";
import * as engine from "../engine/index.ts";
import type { Command } from "../shell/_commands.ts";
import type { ParsedArgs } from "./_args.ts";
import { CliError } from "./_errors.ts";
import type { Io } from "./index.ts";
import { interact } from "./_interaction.ts";
import { loadDeployFile } from "./_loader.ts";
import { optionLoggers, parallelOption } from "./_run.ts";
import { describeActivity, hangUp, sharedEnv, type Activity } from "./_activity.ts";
import { startTelnetServer, type TelnetConnection, type TelnetServer } from "./_telnet.ts";
import { loadPasswordFile } from "./_telnet_auth.ts";

interface Terminal {
  route: engine.TerminalRoute;
  activity: Activity;
  connection: TelnetConnection;
}

export async function telnetServerCommand(args: ParsedArgs, io: Io): Promise<number> {
  const file = args.positional.FILE!;
  const port = parsePort(args.options.port);
  const auth = typeof args.options["password-file"] === "string" ? loadPasswordFile(resolve(io.cwd, args.options["password-file"])) : undefined;
  const { root, extraLoggers } = await loadDeployFile(file, io.cwd);
  const terminals = new Set<Terminal>();
  const env = sharedEnv(root, {
    acceptNewHostKeys: args.options["accept-new-host-keys"] === true,
    parallel: parallelOption(args),
    loggers: [...optionLoggers(args, io), ...extraLoggers],
  }, () => terminals);
  const log = (line: string) => void io.stdout.write(`${line}\n`);
  let server!: TelnetServer;
  const w: Command = {
    name: "w",
    help: "list the telnet sessions: who is connected and what each runs",
    async run(shell) {
      shell.print(`${"Username".padEnd(16)} What`);
      for (const terminal of terminals) {
        shell.print(`${(terminal.connection.username ?? "somebody").padEnd(16)} ${describeActivity(terminal.activity)}`);
      }
    },
  };
  server = await startTelnetServer({
    port,
    host: typeof args.options.bind === "string" ? args.options.bind : "127.0.0.1",
    auth,
    log,
    async onSession(connection) {
      const pty = new engine.Pty(connection.input, connection.output, { interactive: !args.options["non-interactive"], term: "xterm" });
      const terminal: Terminal = { route: engine.newRoute(pty), activity: { actions: [] }, connection };
      terminals.add(terminal);
      // A client that hangs up stops what it started, as a terminal's hang-up would.
      connection.once("close", () => hangUp(terminal.route));
      try {
        await engine.onRoute(terminal.route, () => interact({
          env, pty, file, script: resolve(io.cwd, file), color: true,
          shell: { extraCommands: [w], promptPrefix: connection.username ? `${connection.username}@` : undefined },
        }, { path: [], action: [], scp: false, cwd: io.cwd }));
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        connection.output.write(`deployer: ${error.message}\n`);
      } finally {
        terminals.delete(terminal);
      }
    },
  });
  process.title = `deployer telnet-server ${file}`;
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      log(`stopping (${server.sessions.length} session${server.sessions.length === 1 ? "" : "s"} open)`);
      void server.close().then(done);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await engine.Env.close(env);
  return 0;
}

function parsePort(value: string | true | undefined): number {
  if (value === undefined) return 8023;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port ${String(value)}: not a TCP port (0-65535)`);
  return port;
}
