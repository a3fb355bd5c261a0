// Trust (issue 10, point 5): host keys are never accepted silently and a changed one never at all;
// session sockets serve only their owner; the telnet server listens on loopback; nothing a client
// sends (socket frames, telnet keystrokes) is run as code.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode, FrameReader } from "../../cmd/_protocol.ts";
import { loadFixture } from "../fixture/sshd.ts";
import { BINARY, deployer, lines } from "../helpers/deployer.ts";
import { onScreen } from "../helpers/screen.ts";
import { stripEscapes, telnetClient } from "../helpers/telnet-client.ts";
import { until } from "../helpers/wait.ts";

const fixture = loadFixture();
const target = fixture.hosts[1]!;
const other = fixture.hosts[2]!;
const name = `[${target.address}]:${target.port}`;
const OTHER_USER = fixture.username; // a second uid on this machine (the tests run as root)

let dir: string;
let env: Record<string, string>;
const knownHosts = () => join(dir, "known_hosts");
const pwned = () => join(dir, "pwned");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deployer-trust-"));
  writeFileSync(join(dir, "deploy.ts"), `import { Node, SSHHost } from "deployer";
class Target extends SSHHost {
  slug = "target"; address = "${target.address}"; port = ${target.port}; username = "${fixture.username}";
  keyFilename = "${fixture.clientKey}"; knownHostsFilename = "${knownHosts()}";
}
class Impatient extends Target { timeout = 2; }
export default class Root extends Node {
  Hosts = { host: Target };
  web = class extends Node { async hi() { return "hi from web"; } };
  impatient = class extends Node {
    Hosts = { host: Impatient };
    async hello() { return (await this.hosts.run("echo patient-$((6*7))"))[0].trim(); }
  };
  async hello() { return (await this.hosts.run("echo connected-$((6*7))"))[0].trim(); }
  async probe() {
    const proto = Object.prototype as Record<string, unknown>;
    return \`polluted=\${String(proto.polluted)} type=\${String(proto.type)} toString=\${typeof proto.toString}\`;
  }
}
`);
  env = { XDG_STATE_HOME: join(dir, "state"), XDG_RUNTIME_DIR: join(dir, "run"), TMUX: "", NO_COLOR: "1" };
});

const run = (...args: string[]) => deployer(["run", "deploy.ts", ...args], { cwd: dir, env: { ...process.env, ...env } });
const otherKeyLine = () => `${name} ${other.hostPublicKey}\n`;
const targetKeyLine = () => `${name} ${target.hostPublicKey}\n`;

describe("SSH host keys", () => {
  beforeAll(() => rmSync(knownHosts(), { force: true }));

  test("a non-interactive run refuses an unknown host key in one line and writes no known_hosts", () => {
    const result = run("--non-interactive", "--", "hello");
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain("connected-42");
    expect(lines(result.stderr)[0]).toEndWith(
      `Root.hello failed: cannot connect to target: host key is unknown (not in ${knownHosts()}); set acceptNewHostKeys or run with --accept-new-host-keys to trust it`,
    );
    expect(existsSync(knownHosts())).toBe(false);
  }, 60_000);

  test("a run without a terminal refuses it too, even without --non-interactive (nothing waits for an answer)", () => {
    const result = run("--", "hello");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("host key is unknown");
    expect(existsSync(knownHosts())).toBe(false);
  }, 60_000);

  test("--accept-new-host-keys trusts it, records it, and later runs need no flag", () => {
    const accepted = run("--non-interactive", "--accept-new-host-keys", "--", "hello");
    expect(accepted.stderr).toBe("");
    expect(accepted.stdout).toContain("connected-42");
    expect(readFileSync(knownHosts(), "utf8")).toBe(targetKeyLine());
    const again = run("--non-interactive", "--", "hello");
    expect(again.status).toBe(0);
    expect(readFileSync(knownHosts(), "utf8")).toBe(targetKeyLine());
  }, 60_000);

  test("a changed host key is refused, even with --accept-new-host-keys, and known_hosts is left alone", () => {
    writeFileSync(knownHosts(), otherKeyLine());
    for (const flags of [[], ["--accept-new-host-keys"]]) {
      const result = run("--non-interactive", ...flags, "--", "hello");
      expect(result.status).toBe(1);
      expect(result.stdout).not.toContain("connected-42");
      expect(lines(result.stderr)[0]).toEndWith(`Root.hello failed: cannot connect to target: host key has CHANGED (it does not match ${knownHosts()}:1); refusing to connect`);
    }
    expect(readFileSync(knownHosts(), "utf8")).toBe(otherKeyLine());
  }, 60_000);

  test("in the shell, an unknown key is asked about: no refuses it, yes records it", async () => {
    rmSync(knownHosts(), { force: true });
    const s = await onScreen(["run", "deploy.ts"], { cwd: dir, env });
    await s.waitForLast("Root > ");
    s.type("hello\r");
    await s.waitFor(`The authenticity of host ${name} (target) can't be established.`);
    await s.waitFor(/ED25519 key fingerprint is SHA256:\S+/);
    s.type("n\r");
    await s.waitFor("host key is unknown");
    await s.waitForLast("Root > ");
    expect(existsSync(knownHosts())).toBe(false);
    s.type("hello\r");
    await s.waitFor(/can't be established[^]*can't be established/);
    s.type("y\r");
    await s.waitFor("connected-42");
    await s.waitForLast("Root > ");
    s.type("\x04");
    await s.exited;
    expect(readFileSync(knownHosts(), "utf8")).toBe(targetKeyLine());
  }, 60_000);

  test("the time taken to answer about a new key does not count against the host's connect timeout", async () => {
    rmSync(knownHosts(), { force: true });
    const s = await onScreen(["run", "deploy.ts"], { cwd: dir, env });
    await s.waitForLast("Root > ");
    s.type("impatient hello\r");
    await s.waitFor(`The authenticity of host ${name} (target) can't be established.`);
    await Bun.sleep(4000); // twice the host's timeout of 2 s
    s.type("y\r");
    await s.waitFor("patient-42");
    expect(s.lines().join("\n")).not.toContain("timed out");
    s.type("\x04");
    await s.exited;
    expect(readFileSync(knownHosts(), "utf8")).toBe(targetKeyLine());
  }, 60_000);

  test("in the shell, a changed key is refused without a question, even with --accept-new-host-keys", async () => {
    writeFileSync(knownHosts(), otherKeyLine());
    const s = await onScreen(["run", "deploy.ts", "--accept-new-host-keys"], { cwd: dir, env });
    await s.waitForLast("Root > ");
    s.type("hello\r");
    await s.waitFor("host key has CHANGED");
    await s.waitForLast("Root > ");
    const screen = s.lines().join("\n");
    expect(screen).not.toContain("can't be established");
    expect(screen).not.toContain("connected-42");
    s.type("\x04");
    await s.exited;
    expect(readFileSync(knownHosts(), "utf8")).toBe(otherKeyLine());
  }, 60_000);
});

// ---------------------------------------------------------------------------

/** A `listen` server in the foreground; resolves once it listens. */
async function listen(socket: string, runtime = join(dir, "run")) {
  const proc = Bun.spawn([BINARY, "listen", "deploy.ts", "--socket", socket], {
    cwd: dir, env: { ...process.env, ...env, XDG_RUNTIME_DIR: runtime }, stdout: "pipe", stderr: "pipe",
  });
  let log = "";
  void (async () => { for await (const chunk of proc.stdout) log += new TextDecoder().decode(chunk); })();
  await until(() => log.includes("Listening on") || proc.exitCode !== null, "the server to listen");
  if (!log.includes("Listening on")) throw new Error(`listen --socket ${socket} failed: ${await new Response(proc.stderr).text()}`);
  return { log: () => log, stop: async () => { proc.kill("SIGTERM"); return await proc.exited; } };
}

/** Try to connect to unix socket `path` as `user`; what happened, as the connecting process saw it. */
function connectAs(user: string, path: string): string {
  const script = `import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n  s.connect(${JSON.stringify(path)})\n  print("connected")\nexcept OSError as e:\n  print(type(e).__name__)`;
  const result = spawnSync("runuser", ["-u", user, "--", "python3", "-c", script], { encoding: "utf8", timeout: 30_000 });
  return (result.stdout + result.stderr).trim();
}

describe("session sockets", () => {
  let server: Awaited<ReturnType<typeof listen>>;
  let socket: string;
  let loose: string; // a --socket path in a folder everyone may write to
  let looseServer: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    // Session 9: the shells above started background sessions 0 and 1, which may still be stopping.
    server = await listen("9");
    socket = join(dir, "run", "deployer", "session.9.sock");
    const open = join(dir, "open");
    mkdirSync(open);
    chmodSync(dir, 0o755);
    chmodSync(open, 0o777);
    loose = join(open, "shared.sock");
    looseServer = await listen(loose);
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    await looseServer?.stop();
  });

  test("the socket is 0600 in a 0700 folder of its owner", () => {
    expect(statSync(join(dir, "run", "deployer")).mode & 0o777).toBe(0o700);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(loose).mode & 0o777).toBe(0o600);
    // Its owner gets in (so the refusals below are about who asks, not a dead socket).
    expect(connectAs("root", socket)).toBe("connected");
    expect(connectAs("root", loose)).toBe("connected");
  });

  test("another user cannot connect, in the session folder or in a folder open to all", () => {
    expect(connectAs(OTHER_USER, socket)).toBe("PermissionError");
    expect(connectAs(OTHER_USER, loose)).toBe("PermissionError");
    expect(connectAs("nobody", loose)).toBe("PermissionError");
  });

  test("with its permissions loosened, the server still refuses another uid (SO_PEERCRED) and serves its owner", async () => {
    const script = (path: string) => [
      "import json, socket, struct",
      "s = socket.socket(socket.AF_UNIX)",
      `s.connect(${JSON.stringify(path)})`,
      "m = json.dumps({'type': 'info'}).encode()",
      "try:",
      "  s.sendall(struct.pack('>I', len(m)) + m)",
      "  data = s.recv(65536)",
      "except (ConnectionResetError, BrokenPipeError):",
      "  data = b''",
      "print('answered' if data else 'closed')",
    ].join("\n");
    chmodSync(loose, 0o666);
    try {
      const theirs = spawnSync("runuser", ["-u", OTHER_USER, "--", "python3", "-c", script(loose)], { encoding: "utf8", timeout: 30_000 });
      expect((theirs.stdout + theirs.stderr).trim()).toBe("closed");
      const uid = Number(spawnSync("id", ["-u", OTHER_USER], { encoding: "utf8" }).stdout);
      await until(() => looseServer.log().includes(`connection from uid ${uid} refused: the session belongs to uid 0`), "the server to log the refusal");
      const mine = spawnSync("python3", ["-c", script(loose)], { encoding: "utf8", timeout: 30_000 });
      expect(mine.stdout.trim()).toBe("answered");
    } finally {
      chmodSync(loose, 0o600);
    }
  }, 60_000);

  test("a socket folder with loose permissions, or owned by another user, is refused, not used", async () => {
    const runtime = join(dir, "loose-runtime");
    mkdirSync(join(runtime, "deployer"), { recursive: true });
    chmodSync(join(runtime, "deployer"), 0o755);
    const folder = join(runtime, "deployer");
    for (const args of [["listen", "deploy.ts", "--socket", "0"], ["list-sessions"], ["connect", "--socket", "0", "--", "web", "hi"]]) {
      const result = deployer(args, { cwd: dir, env: { ...process.env, ...env, XDG_RUNTIME_DIR: runtime } });
      expect(result.status).not.toBe(0);
      expect(lines(result.stderr)).toEqual([`deployer: ${folder}: group or others may use it (mode 0755); run: chmod 700 ${folder}`]);
    }
    expect(existsSync(join(folder, "session.0.sock"))).toBe(false);
    chmodSync(folder, 0o700);
    chownSync(folder, Number(spawnSync("id", ["-u", OTHER_USER], { encoding: "utf8" }).stdout), 0);
    const owned = deployer(["list-sessions"], { cwd: dir, env: { ...process.env, ...env, XDG_RUNTIME_DIR: runtime } });
    expect(owned.status).not.toBe(0);
    expect(lines(owned.stderr)).toEqual([`deployer: ${folder}: not a directory owned by you; remove it and try again`]);
  }, 60_000);

  test("connect refuses a socket that belongs to another user: nothing typed reaches it", async () => {
    const path = join(dir, "open", "theirs.sock");
    // A listener run by the other user, printing the first bytes of each connection.
    const script = `import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.bind(${JSON.stringify(path)})\ns.listen(8)\nprint("ready", flush=True)\nwhile True:\n  c, _ = s.accept()\n  print(repr(c.recv(200)), flush=True)\n  c.close()`;
    const theirs = spawn("runuser", ["-u", OTHER_USER, "--", "python3", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
    let seen = "";
    theirs.stdout.on("data", (chunk: Buffer) => (seen += chunk.toString()));
    try {
      await until(() => seen.includes("ready"), "the other user's listener");
      const result = deployer(["connect", "--socket", path, "--", "web", "hi"], { cwd: dir, env: { ...process.env, ...env } });
      expect(result.status).not.toBe(0);
      expect(lines(result.stderr)[0]).toMatch(new RegExp(`^deployer: --socket ${path}: the socket belongs to another user \\(uid \\d+\\); refusing to connect$`));
      // Connections are accepted in order: if deployer had connected, its bytes would come before these.
      const probe = createConnection(path);
      probe.on("connect", () => probe.end("probe"));
      await until(() => seen.includes("probe"), "the probe to arrive");
      expect(seen).not.toContain("hello");
      expect(seen.split("\n").filter((l) => l.startsWith("b'"))).toEqual(["b'probe'"]);
    } finally {
      theirs.kill();
    }
  }, 60_000);

  test("frames with __proto__ and constructor payloads run nothing and pollute no prototype", async () => {
    const send = (frames: Buffer[]) => new Promise<Array<Record<string, unknown>>>((resolve) => {
      const client = createConnection(socket);
      const reader = new FrameReader();
      const got: Array<Record<string, unknown>> = [];
      client.on("connect", () => { for (const frame of frames) client.write(frame); });
      client.on("data", (chunk: Buffer) => { try { got.push(...reader.push(chunk)); } catch { client.destroy(); } });
      client.on("close", () => resolve(got));
      client.on("error", () => client.destroy());
    });
    const raw = (json: string) => { const body = Buffer.from(json); const head = Buffer.alloc(4); head.writeUInt32BE(body.length); return Buffer.concat([head, body]); };
    // A hello whose extra keys are __proto__ and constructor: they stay data, and only the action asked for runs.
    const first = await send([raw(`{"type":"hello","__proto__":{"polluted":"yes","type":"info"},"constructor":{"prototype":{"polluted":"yes"}},"path":[],"action":["probe"]}`)]);
    const output = (replies: Array<Record<string, unknown>>) => replies.filter((m) => m.type === "output").map((m) => Buffer.from(String(m.data), "base64").toString()).join("");
    expect(output(first)).toContain("polluted=undefined type=undefined toString=function");
    expect(first.at(-1)).toEqual({ type: "exit", code: 0 });
    // Frames whose type comes only from __proto__, or names a prototype member, or actions named
    // after one, or code as words: dropped, or refused with a non-zero exit.
    const attacks = [
      `{"__proto__":{"type":"hello"},"action":["probe"]}`,
      `{"type":"__proto__"}`,
      `{"type":"constructor"}`,
      `{"type":"hello","path":["constructor","prototype"],"action":["__proto__"]}`,
      `{"type":"hello","path":[],"action":["constructor","constructor","require('fs').writeFileSync('${pwned()}','x')"]}`,
      `{"type":"hello","path":[],"action":["toString"],"term":"xterm\\"; touch ${pwned()}"}`,
    ];
    for (const attack of attacks) {
      const replies = await send([raw(attack)]);
      const exit = replies.find((m) => m.type === "exit");
      if (exit) expect(exit.code).not.toBe(0);
      expect(output(replies)).not.toContain("polluted=");
    }
    // The server is still up, its prototypes untouched, and nothing wrote the file.
    expect(output(await send([encode({ type: "hello", rows: 24, cols: 80, term: "xterm", path: [], action: ["probe"], scp: false, cwd: dir, color: false, windows: false })])))
      .toContain("polluted=undefined type=undefined toString=function");
    expect(existsSync(pwned())).toBe(false);
    expect(server.log()).toContain("closed");
  }, 60_000);
});

// ---------------------------------------------------------------------------

describe("telnet-server", () => {
  let proc: ReturnType<typeof Bun.spawn>;
  let log = "";
  let port = 0;
  beforeAll(async () => {
    proc = Bun.spawn([BINARY, "telnet-server", "deploy.ts", "--port", "0"], { cwd: dir, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    void (async () => { for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) log += new TextDecoder().decode(chunk); })();
    await until(() => /listening on \S+:\d+/.test(log), "the telnet server to listen");
    port = Number(/listening on \S+:(\d+)/.exec(log)![1]);
  }, 30_000);
  afterAll(async () => {
    proc?.kill("SIGTERM");
    await proc?.exited;
  });

  test("the listening socket is bound to 127.0.0.1 only (as the kernel reports it)", () => {
    const listening = spawnSync("ss", ["-Hltnp", "sport", "=", `:${port}`], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    expect(listening).toHaveLength(1);
    const [, , , local, , process] = listening[0]!.split(/\s+/);
    expect(local).toBe(`127.0.0.1:${port}`);
    expect(process).toContain(`pid=${proc.pid},`);
  });

  test("hostile words typed at the shell are names that do not exist, never code", async () => {
    const client = await telnetClient({ port });
    try {
      await client.waitFor("Root > ");
      const hostile = [
        "constructor", "__proto__", "constructor constructor", "web constructor prototype", "toString", "hasOwnProperty",
        "--inspect constructor", "--inspect __proto__", "cd __proto__", "cd constructor", "valueOf", "__defineGetter__ x",
        `require('fs').writeFileSync('${pwned()}','x')`, `eval("require('fs').writeFileSync('${pwned()}','x')")`,
        `$(touch ${pwned()})`, `\`touch ${pwned()}\``, `web hi $(touch ${pwned()})`,
      ];
      // The shell reads them one after another: the probe is answered only once all were handled.
      for (const line of hostile) client.send(`${line}\r`);
      client.send("probe\r");
      const answer = await client.waitFor(/polluted=\S+ type=\S+ toString=\S+/);
      expect(stripEscapes(answer)).toContain("polluted=undefined type=undefined toString=function");
      client.send("web hi\r");
      await client.waitFor("hi from web");
      expect(existsSync(pwned())).toBe(false);
      expect(stripEscapes(client.text())).not.toContain("Error: ");
    } finally {
      client.close();
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------

describe("executable data", () => {
  test("the sources never evaluate data as code: no eval, Function, vm or deserialising of code; import() only of modules and the user's bundle", () => {
    const root = join(import.meta.dir, "..", "..");
    const found: string[] = [];
    const visit = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (/\.tsx?$/.test(entry.name)) {
          for (const line of readFileSync(path, "utf8").split("\n")) {
            const code = line.replace(/\/\/.*$/, "");
            const evaluates = /\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(|["']node:vm["']|\bvm\.run|\bnodeVm\(|\bdeserialize\s*\(|\bBun\.(deserialize|Transpiler)/.test(code);
            // import() or require() of anything but a string literal loads code chosen at run time.
            const computedImport = /\b(import|require)\((?!\s*["'`])/.test(code);
            if (evaluates || computedImport) found.push(`${path.slice(root.length + 1)}: ${line.trim()}`);
          }
        }
      }
    };
    for (const folder of ["cmd", "engine", "shell", "scp"]) visit(join(root, folder));
    // The imports of computed paths: the user's own deploy.ts, bundled, from an owner-only folder
    // (required first, in a vm script whose code is a constant, so that Ctrl-C can stop an endless
    // loop in its top level); and the binary's own parts (engine/_parts.ts), each named by a string
    // literal where it is loaded.
    expect(found).toEqual([
      "cmd/_loader.ts: return interruptibly(() => require(path) as Record<string, unknown>);",
      "cmd/_loader.ts: return (await import(pathToFileURL(path).href)) as Record<string, unknown>;",
      'cmd/_loader.ts: return new (nodeVm().Script)(`globalThis[Symbol.for("deployer.evaluate")]()`).runInThisContext({ breakOnSigint: true }) as T;',
      'engine/_parts.ts: return import(new URL(compiled ? part.replace(/\\.tsx?$/, ".js") : part, root).href);',
      'engine/_builtins.ts: export const nodeVm = (): typeof import("node:vm") => process.getBuiltinModule("node:vm");',
    ]);
    const parts = ["cmd", "engine"].flatMap((folder) => Array.from(new Bun.Glob("**/*.{ts,tsx}").scanSync(join(root, folder)), (file) => readFileSync(join(root, folder, file), "utf8")))
      .flatMap((text) => Array.from(text.matchAll(/\bimportPart\(([^)]*)\)/g), (match) => match[1]!))
      .filter((argument) => argument !== "part: Part");
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const argument of parts) expect(argument).toMatch(/^"[\w/.-]+"$/);
  });

  test("a cached bundle runs only when this user owns it and no one else may write it", () => {
    const cache = join(dir, "bundle-cache");
    const bundles = join(cache, "deployer", "bundles");
    const cached = { ...process.env, ...env, XDG_CACHE_HOME: cache, DEPLOYER_DEBUG_BUNDLE: "1" };
    const probe = () => deployer(["run", "deploy.ts", "--non-interactive", "--", "web", "hi"], { cwd: dir, env: cached });
    expect(probe().stdout).toContain("hi from web");
    const entry = join(bundles, readdirSync(bundles).find((name) => name.endsWith(".json"))!);
    /** Put code into the stored bundle, as someone able to write the entry could. */
    const plant = (owner: number, mode: number) => {
      const stored = JSON.parse(readFileSync(entry, "utf8")) as { code: string };
      stored.code = `import { writeFileSync as planted } from "node:fs";\nplanted(${JSON.stringify(pwned())}, "x");\n${stored.code}`;
      writeFileSync(entry, JSON.stringify(stored));
      chownSync(entry, owner, owner);
      chmodSync(entry, mode);
    };
    const otherUid = Number(spawnSync("id", ["-u", OTHER_USER], { encoding: "utf8" }).stdout);
    // Not vacuous: an entry of our own, with planted code, is run.
    plant(0, 0o600);
    expect(probe().stderr).toContain("deployer: bundle: cached");
    expect(existsSync(pwned())).toBe(true);
    rmSync(pwned());
    for (const [owner, mode] of [[otherUid, 0o600], [0, 0o620], [0, 0o666]] as const) {
      plant(owner, mode);
      const result = probe();
      expect(result.stdout).toContain("hi from web");
      expect(result.stderr).toContain("the cache entry is not owned by you, or others may write it");
      expect(existsSync(pwned())).toBe(false);
    }
  }, 60_000);

  test("the folder the bundle is imported from must be the user's own", () => {
    const tmp = join(dir, "tmp");
    const folder = join(tmp, "deployer-0");
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o777);
    const result = deployer(["run", "deploy.ts", "--non-interactive", "--", "web", "hi"], { cwd: dir, env: { ...process.env, ...env, TMPDIR: tmp, DEPLOYER_NO_CACHE: "1" } });
    expect(result.status).not.toBe(0);
    expect(lines(result.stderr)).toEqual([`deployer: ${folder}: group or others may use it (mode 0777); run: chmod 700 ${folder}`]);
  }, 60_000);
});
