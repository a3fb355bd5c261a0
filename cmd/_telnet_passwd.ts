// `deployer telnet-passwd FILE USER`: add or change a telnet login in a password file (mode 0600).
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as engine from "../engine/index.ts";
import type { ParsedArgs } from "./_args.ts";
import { CliError } from "./_errors.ts";
import type { Io } from "./index.ts";
import { hashPassword } from "./_telnet_auth.ts";

export async function telnetPasswdCommand(args: ParsedArgs, io: Io): Promise<number> {
  const path = resolve(io.cwd, args.positional.FILE!);
  const user = args.positional.USER!;
  if (!/^[^\s:]+$/.test(user)) throw new CliError(`user "${user}": a username has no spaces or colons`);
  const password = await readPassword(io);
  const lines = existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l) => l !== "" && !l.startsWith(`${user}:`)) : [];
  lines.push(`${user}:${hashPassword(password)}`);
  // Written beside the file and renamed over it: never a half-written password file.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${lines.join("\n")}\n`, { mode: 0o600 });
  renameSync(temporary, path);
  io.stdout.write(`${user}'s password set in ${path}\n`);
  return 0;
}

/** Twice, masked, on a terminal; one line of stdin otherwise (for scripts). */
async function readPassword(io: Io): Promise<string> {
  if (!io.isTerminal("stdin")) {
    let text = "";
    for await (const chunk of io.stdin) text += String(chunk);
    const password = text.split("\n")[0] ?? "";
    if (!password) throw new CliError("no password on standard input");
    return password;
  }
  const pty = new engine.Pty(io.stdin, io.stdout);
  const ask = async (prompt: string): Promise<string> => {
    io.stdout.write(prompt);
    const line = await pty.readLine({ mask: true });
    if (line.kind !== "line") throw new CliError("cancelled");
    return line.text;
  };
  const first = await ask("New password: ");
  if (!first) throw new CliError("the password is empty");
  if (await ask("Again: ") !== first) throw new CliError("the passwords differ");
  return first;
}
