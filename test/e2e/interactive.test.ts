import { describe, expect, test } from "bun:test";
import { project } from "../helpers/deployer.ts";
import { inTerminal } from "../helpers/terminal.ts";

const deployFile = [
  `import { Node, LocalHost } from "deployer";`,
  `// Whether deployer's own terminal is back in line mode (not raw) after the command.`,
  `async function termios(_node: Node) {`,
  `  return \`term\${"ios"}: \${(process.stdin as { isRaw?: boolean }).isRaw ? "raw" : "icanon"} done\`;`,
  `}`,
  `export default class Root extends Node {`,
  `  Hosts = { host: LocalHost };`,
  `  async ask() {`,
  `    await this.hosts.run("stty size; read -r -p 'na''me? ' n; echo \\"hello:$n\\"");`,
  `    console.log(await termios(this));`,
  `  }`,
  `  async shell() {`,
  `    await this.hosts.at(0).startInteractiveShell("bash --norc --noprofile");`,
  `    console.log("shell closed");`,
  `  }`,
  `  async winch() {`,
  `    await this.hosts.run("trap 'stty size' WINCH; echo rea''dy; for i in $(seq 100); do sleep 0.1; done");`,
  `  }`,
  `  async sleepy() {`,
  `    try {`,
  `      await this.hosts.run("echo slee''ping; sleep 30; echo wo''ke");`,
  `    } finally {`,
  `      console.log(await termios(this));`,
  `    }`,
  `  }`,
  `}`,
].join("\n");

describe("interactive commands on a real terminal", () => {
  test("get a PTY of the terminal's size, take keystrokes, and leave the terminal as they found it", async () => {
    const term = await inTerminal(["run", "deploy.ts", "--", "ask"], { cwd: project({ "deploy.ts": deployFile }), cols: 97, rows: 31 });
    await term.waitFor("name?");
    expect(term.text()).toContain("31 97");
    term.write("bob\r");
    await term.waitFor("hello:bob");
    await term.waitFor(/termios: icanon done/);
    expect((await term.exited).exitCode).toBe(0);
  }, 30_000);

  test("startInteractiveShell hands the terminal to a shell until it exits", async () => {
    const term = await inTerminal(["run", "deploy.ts", "--", "shell"], { cwd: project({ "deploy.ts": deployFile }) });
    term.write("echo in-shell-$((2 + 3))\r");
    await term.waitFor("in-shell-5");
    term.write("exit 4\r");
    await term.waitFor("shell closed");
    expect((await term.exited).exitCode).toBe(0);
  }, 30_000);

  test("follow the terminal when it is resized", async () => {
    const term = await inTerminal(["run", "deploy.ts", "--", "winch"], { cwd: project({ "deploy.ts": deployFile }), cols: 80, rows: 24 });
    await term.waitFor("ready");
    const before = term.text().length;
    term.resize(120, 40);
    await term.waitFor("40 120", before);
    term.write("\x03");
    await term.exited;
  }, 30_000);

  test("Ctrl-C reaches the remote command, the action fails with the signal, and the terminal is restored", async () => {
    const term = await inTerminal(["run", "deploy.ts", "--", "sleepy"], { cwd: project({ "deploy.ts": deployFile }) });
    await term.waitFor("sleeping");
    term.write("\x03");
    await term.waitFor(/termios: icanon done/);
    const exit = await term.exited;
    expect(exit.exitCode).toBe(1);
    expect(term.text()).not.toMatch(/^woke/m);
    expect(term.text()).toMatch(/Root\.sleepy failed: Executing "echo slee''ping; sleep 30; echo wo''ke" on "localhost" (was stopped by SIGINT|failed with status code: 130)/);
  }, 30_000);
});

describe("interactive commands over SSH", () => {
  test("the remote command gets a PTY of the terminal's size, keystrokes, resizes and Ctrl-C", async () => {
    const { loadFixture } = await import("../fixture/sshd.ts");
    const fixture = loadFixture();
    const h = fixture.hosts[2]!;
    const deploy = [
      `import { Node, SSHHost } from "deployer";`,
      `class Remote extends SSHHost {`,
      `  slug = "remote"; address = ${JSON.stringify(h.address)}; port = ${h.port};`,
      `  username = ${JSON.stringify(fixture.username)}; keyFilename = ${JSON.stringify(fixture.clientKey)};`,
      `  knownHostsFilename = ${JSON.stringify(fixture.knownHosts)};`,
      `}`,
      `export default class Root extends Node {`,
      `  Hosts = { host: Remote };`,
      `  async go() {`,
      `    await this.hosts.run("stty size; read -r -p 'na''me? ' n; echo \\"hello:$n\\"; trap 'stty size' WINCH; echo rea''dy; for i in $(seq 300); do sleep 0.1; done; echo wo''ke");`,
      `  }`,
      `}`,
    ].join("\n");
    const term = await inTerminal(["run", "deploy.ts", "--", "go"], { cwd: project({ "deploy.ts": deploy }), cols: 91, rows: 27 });
    await term.waitFor("name?");
    expect(term.text()).toContain("connecting to remote…"); // shown on a terminal while the handshake runs
    expect(term.text()).toContain("27 91");
    term.write("alice\r");
    await term.waitFor("ready");
    expect(term.text()).toContain("hello:alice");
    const before = term.text().length;
    term.resize(132, 43);
    await term.waitFor("43 132", before);
    term.write("\x03");
    const exit = await term.exited;
    expect(exit.exitCode).toBe(1);
    expect(term.text()).not.toMatch(/^woke/m);
    expect(term.text()).toMatch(/Root\.go failed: Executing ".*" on "remote" (was stopped by SIGINT|failed with status code: 130)/);
  }, 30_000);
});
