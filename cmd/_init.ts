// `deployer init [FILE]`: a commented starter deploy.ts that runs as is, plus editor support beside it.
import { existsSync, writeFileSync } from "node:fs";
import { basename, dirname, relative, resolve } from "node:path";
import type { ParsedArgs } from "./_args.ts";
import { CliError } from "./_errors.ts";
import { describeWritten, writeEditorSupport } from "./_types.ts";
import type { Io } from "./index.ts";

export async function initCommand(args: ParsedArgs, io: Io): Promise<number> {
  const given = args.positional.FILE ?? "deploy.ts";
  const file = resolve(io.cwd, given);
  const force = args.options.force === true;
  if (existsSync(file) && !force) throw new CliError(`${given} already exists: use --force to overwrite it`);
  if (!existsSync(dirname(file))) throw new CliError(`${given}: no such directory ${relative(io.cwd, dirname(file))}`);
  // Declarations first: they may refuse (a foreign node_modules/deployer), and then nothing is written.
  const editor = writeEditorSupport(dirname(file), { force });
  writeFileSync(file, STARTER.replaceAll("deploy.ts", basename(file)));
  io.stdout.write(describeWritten(io.cwd, [{ path: file, kept: false, note: "a starter: read its comments" }, ...editor]));
  const name = relative(io.cwd, file) || given;
  io.stdout.write(`Try it: deployer run ${name} --non-interactive -- hello   (or deployer run ${name} for the shell)\n`);
  return 0;
}

/**
 * Runs as is: `hello` works on this machine; the SSH host is a placeholder only `web` actions use.
 * "deploy.ts" in it becomes the file's name.
 */
export const STARTER = `// deploy.ts: deployment code for deployer, written by \`deployer init\`. Make it yours.
//
//   deployer run deploy.ts                               the interactive shell over these nodes
//   deployer run deploy.ts --non-interactive -- hello    run one action and exit (for cron and CI)
//   deployer run deploy.ts -- hello Ann                  words after -- : a node path, an action, its arguments
//   deployer run deploy.ts -- web uptime                 an action of the child node \`web\`
//
// A node is a class: its methods are actions, its fields configuration, and a field holding a
// Node class is a child node. Your editor knows the API from tsconfig.json and node_modules/deployer
// (run \`deployer types\` again after upgrading deployer).
import { LocalHost, Node, ParallelNode, SSHHost, arrayOf, child, esc1, mapRoles } from "deployer";

// Hosts are classes too: LocalHost runs commands on this machine, SSHHost over SSH. Nothing
// connects to a host until an action runs a command there, so this placeholder is harmless until
// you run \`-- web uptime\`: put your server's address in first.
class Web1 extends SSHHost {
  slug = "web1"; // its name in output and in the shell
  address = "web1.example.com"; // a host name or an IP address
  username = "deploy";
  // keyFilename = "~/.ssh/id_ed25519"; // or password = "..."; with neither, your ssh-agent is used
  // Settings left out come from ~/.ssh/config (HostName, Port, User, IdentityFile, ProxyJump).
  // Host keys are checked against ~/.ssh/known_hosts; --accept-new-host-keys trusts a new one.
}

// A ParallelNode runs each action once per host of its \`host\` role, on all of them at once,
// with \`this.host\` being that one host. Output lines carry each host's name; the action's
// result is every host's answer.
class Servers extends ParallelNode {
  async uptime() {
    const up = await this.host.run("uptime");
    return \`\${this.host.slug}: \${up.trim()}\`;
  }

  // sudo runs a command as root (or { user: "name" }). The password prompt is answered with the
  // host's \`password\` field, or you are asked once; it is never logged or echoed.
  async restart(service: string) {
    await this.host.sudo(\`systemctl restart '\${esc1(service)}'\`);
  }

  // Files: open() reads or writes a file on the host (what you write lands whole, at close());
  // putFile and getFile copy between this machine and the host. { useSudo: true } for root's files.
  async motd(text: string) {
    const file = await this.host.open("/etc/motd", "w", { useSudo: true });
    await file.write(\`\${text}\\n\`);
    await file.close();
  }
}

export default class Root extends Node {
  // Roles name groups of hosts. \`this.hosts\` is every host of this node, and filter("role")
  // those of one role. A child node gets all of these roles, unless mapRoles says otherwise.
  Hosts = {
    local: LocalHost,
    web: [Web1], // your servers: [Web1, Web2, ...]
  };

  // Commands are strings for the shell: quote what you put in them (esc1 escapes for '...').
  async hello(name = "world") {
    await this.hosts.filter("local").run(\`echo 'hello \${esc1(name)}'\`);
  }

  // The web role's hosts become the ParallelNode's \`host\` role; arrayOf runs it on each of them.
  web = child(mapRoles({ host: "web" })(arrayOf(Servers)));
}
`;
