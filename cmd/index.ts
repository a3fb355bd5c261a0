// The CLI: `main(argv, io)` parses, dispatches and reports; only cmd/deployer.ts exits the process.
import type { Readable, Writable } from "node:stream";
import { parseArgs, usage } from "./_args.ts";
import { CliError } from "./_errors.ts";
import { runCommand } from "./_run.ts";
import { connectCommand } from "./_client.ts";
import { listenCommand, listSessionsCommand } from "./_listen.ts";
import { telnetServerCommand } from "./_telnet_command.ts";
import { telnetPasswdCommand } from "./_telnet_passwd.ts";
import { initCommand } from "./_init.ts";
import { typesCommand } from "./_types.ts";

/** The process's streams and surroundings, passed in so tests can supply their own. */
export interface Io {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  /** Whether a standard stream is a terminal (without making the stream, which costs start-up time). */
  isTerminal(name: "stdin" | "stdout" | "stderr"): boolean;
  cwd: string;
}

export { VERSION } from "./_version.ts";
import { VERSION } from "./_version.ts";

/** Run the CLI with `argv` (without the program name); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const invocation = parseArgs(argv);
    if (invocation.kind === "help") {
      io.stdout.write(`deployer ${VERSION}: deployment code as TypeScript classes, run on many hosts over SSH.\n\n${usage()}\n`);
      return 0;
    }
    if (invocation.kind === "version") {
      io.stdout.write(`deployer ${VERSION}\n`);
      return 0;
    }
    const { args } = invocation;
    switch (args.command) {
      case "run": return await runCommand(args, io);
      // `scp FILE` is `run FILE --scp`, as in the original.
      case "scp": return await runCommand({ ...args, options: { ...args.options, scp: true } }, io);
      case "listen": return await listenCommand(args, io);
      case "connect":
        if (typeof args.options.socket !== "string") throw new CliError("connect needs --socket S (see deployer list-sessions)", 2);
        return await connectCommand(args, io);
      case "list-sessions": return await listSessionsCommand(io);
      case "telnet-server": return await telnetServerCommand(args, io);
      case "telnet-passwd": return await telnetPasswdCommand(args, io);
      case "init": return await initCommand(args, io);
      case "types": return await typesCommand(args, io);
      default: throw new CliError(`unknown command "${args.command}"`, 2);
    }
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: Io): number {
  if (error instanceof CliError) {
    // A message that starts with file:line:column stays first on its line, as compilers print it.
    const located = /^[^\s:]+:\d+:\d+: /.test(error.message);
    io.stderr.write(located ? `${error.message}\n` : `deployer: ${error.message}\n`);
    for (const line of error.details) io.stderr.write(`  ${line}\n`);
    return error.exitCode;
  }
  io.stderr.write(`deployer: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  return 70;
}
