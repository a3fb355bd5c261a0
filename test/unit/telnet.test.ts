// The telnet layer: negotiation, NAWS, input cleaning, output escaping, login, the listener, a real client.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { isLoopback, startTelnetServer, TelnetConnection, type TelnetServer, type TelnetServerOptions } from "../../cmd/_telnet.ts";
import { hashPassword, loadPasswordFile, parsePasswordFile, type PasswordFile } from "../../cmd/_telnet_auth.ts";
import { spawnPty } from "../../engine/host/_pty.ts";
import { nawsBytes, telnetClient } from "../helpers/telnet-client.ts";
import { until } from "../helpers/wait.ts";

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;
const ECHO = 1, SGA = 3, TTYPE = 24, NAWS = 31, LINEMODE = 34;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A connection over an in-memory socket: feed it chunks exactly as split, read what it sent and what it passed on. */
function fakeConnection() {
  const sent: Buffer[] = [];
  const socket = new Duplex({ read() {}, write(chunk: Buffer, _encoding, done) { sent.push(chunk); done(); } });
  const connection = new TelnetConnection(socket);
  const input: Buffer[] = [];
  const resizes: Array<[number, number]> = [];
  connection.input.on("data", (chunk: Buffer) => input.push(chunk));
  connection.on("resize", (columns: number, rows: number) => resizes.push([columns, rows]));
  return {
    connection,
    resizes,
    feed: (...chunks: Array<number[] | string>) => chunks.forEach((c) => socket.emit("data", Buffer.from(c as number[]))),
    sent: () => Buffer.concat(sent),
    clearSent: () => void sent.splice(0),
    input: async () => (await tick(), Buffer.concat(input)),
  };
}

/** A deterministic byte generator, so a failing fuzz run can be repeated. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state >> 8;
  };
}

/** Telnet-heavy random bytes: plenty of IAC, SB, SE, CR and NUL so every parser state is reached. */
function fuzzChunk(next: () => number): number[] {
  const special = [IAC, IAC, SB, SE, DO, DONT, WILL, WONT, NAWS, LINEMODE, 13, 0, 10];
  return Array.from({ length: 1 + (next() % 64) }, () => (next() % 3 === 0 ? special[next() % special.length]! : next() % 256));
}

async function withServer(options: Omit<TelnetServerOptions, "port">, body: (server: TelnetServer, log: string[]) => Promise<void>): Promise<void> {
  const log: string[] = [];
  const server = await startTelnetServer({ port: 0, log: (line) => log.push(line), ...options });
  try {
    await body(server, log);
  } finally {
    await server.close();
  }
}

function passwordFile(text: string, mode = 0o600): string {
  const path = join(mkdtempSync(join(tmpdir(), "deployer-telnet-")), "passwd");
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

let alice: PasswordFile | undefined;
/** A password file with alice / "correct horse" (hashed once: scrypt is slow on purpose). */
function aliceFile(): PasswordFile {
  alice ??= loadPasswordFile(passwordFile(`# users\nalice:${hashPassword("correct horse")}\n`));
  return alice;
}

describe("protocol", () => {
  test("a new connection asks for character mode, server echo, no go-ahead and the window size", () => {
    const t = fakeConnection();
    t.connection.start();
    expect([...t.sent()]).toEqual([
      IAC, DO, LINEMODE,
      IAC, SB, LINEMODE, 1, 0, IAC, SE,
      IAC, WILL, ECHO,
      IAC, WILL, SGA,
      IAC, DO, NAWS,
    ]);
  });

  test("answers to its own requests are not answered again, so negotiation cannot loop", () => {
    const t = fakeConnection();
    t.connection.start();
    t.clearSent();
    t.feed([IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS, IAC, WILL, LINEMODE]);
    t.feed([IAC, DO, ECHO, IAC, WILL, NAWS]); // repeated: already on
    expect(t.sent().length).toBe(0);
  });

  test("unsupported options are refused, and a refusal of a refused option is not answered", () => {
    const t = fakeConnection();
    t.connection.start();
    t.clearSent();
    t.feed([IAC, DO, TTYPE, IAC, WILL, TTYPE, IAC, WILL, ECHO]);
    expect([...t.sent()]).toEqual([IAC, WONT, TTYPE, IAC, DONT, TTYPE, IAC, DONT, ECHO]);
    t.clearSent();
    t.feed([IAC, DONT, TTYPE, IAC, WONT, TTYPE, IAC, WONT, ECHO]);
    expect(t.sent().length).toBe(0);
  });

  test("a client turning off an option we use is acknowledged once", () => {
    const t = fakeConnection();
    t.connection.start();
    t.feed([IAC, DO, ECHO]);
    t.clearSent();
    t.feed([IAC, DONT, ECHO, IAC, DONT, ECHO]);
    expect([...t.sent()]).toEqual([IAC, WONT, ECHO]);
  });

  test("NAWS sets the size and emits resize on the connection and on output", () => {
    const t = fakeConnection();
    let outputResizes = 0;
    t.connection.output.on("resize", () => outputResizes++);
    expect([t.connection.columns, t.connection.rows]).toEqual([80, 24]);
    t.feed(nawsBytes(132, 50));
    expect(t.resizes).toEqual([[132, 50]]);
    expect([t.connection.output.columns, t.connection.output.rows]).toEqual([132, 50]);
    expect(outputResizes).toBe(1);
  });

  test("NAWS split byte by byte, with IAC IAC inside, is one resize", () => {
    const t = fakeConnection();
    const bytes = nawsBytes(255, 511); // 0x00FF × 0x01FF: both carry an escaped 0xFF
    expect(bytes.filter((b) => b === IAC).length).toBe(6); // IAC SB, two doubled 0xFF, IAC SE
    for (const byte of bytes) t.feed([byte]);
    expect(t.resizes).toEqual([[255, 511]]);
  });

  test("malformed NAWS (a zero size, too few or too many bytes) is ignored", () => {
    const t = fakeConnection();
    t.feed([IAC, SB, NAWS, 0, 0, 0, 30, IAC, SE]);
    t.feed([IAC, SB, NAWS, 0, 90, 0, IAC, SE]);
    t.feed([IAC, SB, NAWS, 0, 90, 0, 30, 0, IAC, SE]);
    t.feed([IAC, SB, NAWS, ...new Array(500).fill(7), IAC, SE]);
    expect(t.resizes).toEqual([]);
    expect([t.connection.columns, t.connection.rows]).toEqual([80, 24]);
  });

  test("Enter arrives as a lone CR whether the client sends CR NUL or CR LF, even split across chunks", async () => {
    const t = fakeConnection();
    t.feed("ab\r\0cd\r\nef\r", [0], "g\rh");
    expect((await t.input()).toString()).toBe("ab\rcd\ref\rg\rh");
  });

  test("IAC sequences are removed from input, IAC IAC is a 0xFF byte, and IP is Ctrl-C", async () => {
    const t = fakeConnection();
    t.feed([0x61, IAC, 241, 0x62, IAC, IAC, 0x63, IAC, DO, ECHO, IAC, 244, IAC, SB, 99, 1, 2, IAC, SE, 0x64]);
    expect([...(await t.input())]).toEqual([0x61, 0x62, 0xff, 0x63, 0x03, 0x64]);
  });

  test("output doubles 0xFF and sends a lone LF as CR LF, also when CR ended the previous write", () => {
    const t = fakeConnection();
    t.connection.output.write(Buffer.from([0x41, 0xff, 0x42]));
    t.connection.output.write("a\nb\r\nc\r");
    t.connection.output.write("\nd");
    expect([...t.sent()]).toEqual([0x41, 0xff, 0xff, 0x42, ...Buffer.from("a\r\nb\r\nc\r\nd")]);
  });

  test("the input is a TTY-like stream with raw mode, and the output a TTY-like stream", () => {
    const { connection } = fakeConnection();
    expect(connection.input.isTTY).toBe(true);
    expect(connection.input.setRawMode(true)).toBe(connection.input);
    expect(connection.input.isRaw).toBe(true);
    expect(connection.output.isTTY).toBe(true);
    expect(connection.activity).toBe("(Idle)");
  });

  test("after close nothing more is sent", () => {
    const t = fakeConnection();
    t.connection.close();
    t.connection.output.write("late");
    t.feed([IAC, DO, TTYPE]);
    expect(t.sent().length).toBe(0);
    expect(t.connection.closed).toBe(true);
  });

  test("thousands of random chunks do not throw", async () => {
    const next = random(1);
    for (let round = 0; round < 20; round++) {
      const t = fakeConnection();
      t.connection.start();
      for (let i = 0; i < 250; i++) t.feed(fuzzChunk(next));
      await t.input();
      expect(t.connection.columns).toBeGreaterThan(0);
    }
  });
});

describe("password file", () => {
  test("hashes are scrypt$N$r$p$salt$key, salted, and verify only the right password", async () => {
    const hash = hashPassword("pw");
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hashPassword("pw")).not.toBe(hash);
    const file = parsePasswordFile(`bob:${hash}\n`, "passwd");
    expect(file.usernames).toEqual(["bob"]);
    expect(await file.verify("bob", "pw")).toBe(true);
    expect(await file.verify("bob", "pw ")).toBe(false);
    expect(await file.verify("nobody", "pw")).toBe(false);
  });

  test("a file group or others can read is refused with one line naming it", () => {
    const path = passwordFile(`bob:${hashPassword("pw")}\n`, 0o644);
    expect(() => loadPasswordFile(path)).toThrow(`password file ${path} is accessible by group or others (mode 0644); run: chmod 600 ${path}`);
  });

  test.each([
    ["bob", "passwd:2: expected"],
    ["bob:plain-text-password", "passwd:2: expected"],
    ["bob:scrypt$1000$8$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5", "passwd:2: bad scrypt parameters"],
    ["bob:scrypt$16384$8$1$!!$a2V5a2V5a2V5a2V5a2V5a2V5", "passwd:2: bad salt or key"],
    ["bob:scrypt$1048576$64$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5", "passwd:2: scrypt parameters need more than"],
  ])("a malformed line %p is a one-line error naming file and line, without its content", (line, message) => {
    let error: Error | undefined;
    try {
      parsePasswordFile(`# comment\n${line}\n`, "passwd");
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toStartWith(message);
    expect(error?.message).not.toContain("plain-text-password");
    expect(error?.message).not.toContain("\n");
  });

  test("a user listed twice, or no user at all, is an error", () => {
    const hash = hashPassword("pw");
    expect(() => parsePasswordFile(`bob:${hash}\nbob:${hash}\n`, "passwd")).toThrow('passwd:2: user "bob" appears twice');
    expect(() => parsePasswordFile("# nobody\n", "passwd")).toThrow("password file passwd has no users");
  });
});

describe("server", () => {
  test("binds to 127.0.0.1 by default and logs no warning; other addresses are not loopback", async () => {
    await withServer({ onSession: async () => {} }, async (server, log) => {
      expect(server.address().address).toBe("127.0.0.1");
      expect(server.port).toBeGreaterThan(0);
      expect(log).toEqual([
        `telnet server listening on 127.0.0.1:${server.port}`,
        "only the user who started this server may connect, from this machine (--password-file FILE lets others log in)",
      ]);
    });
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) expect(isLoopback(host)).toBe(true);
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) expect(isLoopback(host)).toBe(false);
  });

  test("a port already in use is a one-line error naming the address", async () => {
    await withServer({ onSession: async () => {} }, async (server) => {
      const error = await startTelnetServer({ port: server.port, onSession: async () => {} }).catch((e: Error) => e);
      expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${server.port}: EADDRINUSE`);
    });
  });

  test("a scripted client negotiates, reports its size, types a line and sees the session end", async () => {
    const onSession = async (connection: TelnetConnection) => {
      const line = await readLine(connection);
      connection.output.write(`size ${connection.columns}x${connection.rows}, got ${JSON.stringify(line)}\n`);
    };
    await withServer({ onSession }, async (server) => {
      const client = await telnetClient({ port: server.port, cols: 100, rows: 30 });
      await until(() => server.sessions[0]?.connection.columns === 100, "the NAWS report");
      client.send("héllo\r\0");
      await client.waitFor('size 100x30, got "héllo"\r\n');
      await client.waitForClose();
      expect(client.text().endsWith('"héllo"\r\n\r\n')).toBe(true);
      expect(client.negotiations).toContainEqual({ verb: "WILL", option: ECHO });
    });
  });

  test("sessions list id, remote, username and what each runs, and leave the list when they end", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await withServer({ onSession: () => held }, async (server) => {
      const a = await telnetClient({ port: server.port });
      const b = await telnetClient({ port: server.port });
      await until(() => server.sessions.length === 2, "two sessions");
      const [first, second] = server.sessions;
      expect(first!.id).not.toBe(second!.id);
      expect(first!.remote).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(first!.username).toBeUndefined();
      first!.connection.activity = "deploy.app.restart";
      expect(server.sessions.map((s) => s.what())).toEqual(["deploy.app.restart", "(Idle)"]);
      b.close();
      await until(() => server.sessions.length === 1, "the closed session to leave the list");
      release();
      await a.waitForClose();
      expect(server.sessions).toEqual([]);
    });
  });

  test("closing the server ends its sessions", async () => {
    await withServer({ onSession: () => new Promise(() => {}) }, async (server) => {
      const client = await telnetClient({ port: server.port });
      await until(() => server.sessions.length === 1, "the session");
      await server.close();
      await client.waitForClose();
    });
  });

  test("thousands of random chunks leave the server alive for the next client", async () => {
    const onSession = async (connection: TelnetConnection) => {
      connection.output.write("ready\n");
      connection.input.resume();
      await new Promise((resolve) => connection.once("close", resolve));
    };
    await withServer({ onSession }, async (server) => {
      const next = random(7);
      for (let round = 0; round < 3; round++) {
        const client = await telnetClient({ port: server.port, negotiate: false });
        for (let i = 0; i < 1000; i++) client.sendRaw(fuzzChunk(next));
        await client.waitFor("ready");
        client.close();
      }
      const client = await telnetClient({ port: server.port });
      await client.waitFor("ready\r\n");
      client.close();
    });
  });
});

describe("login", () => {
  const session = async (connection: TelnetConnection) => {
    connection.output.write(`welcome ${connection.username}\n`);
  };

  test("the right password lets the user in; the username is echoed, the password is not", async () => {
    await withServer({ onSession: session, auth: aliceFile() }, async (server, log) => {
      const client = await telnetClient({ port: server.port });
      await client.waitFor("Please authenticate");
      await client.waitFor("Username: ");
      client.send("alice\r\0");
      await client.waitFor("alice\r\n");
      await client.waitFor("Password: ");
      client.send("correct horse\r\n");
      await client.waitFor("Authentication successful");
      await client.waitFor("welcome alice");
      await client.waitForClose();
      expect(client.text()).not.toContain("correct horse");
      expect(log.join("\n")).not.toContain("correct horse");
      expect(log).toContain("session 1: user alice logged in");
    });
  });

  test("a wrong password says so in red and asks again", async () => {
    await withServer({ onSession: session, auth: aliceFile() }, async (server) => {
      const client = await telnetClient({ port: server.port });
      await client.waitFor("Username: ");
      client.send("alice\r\0wrong\r\0");
      await client.waitFor("Authentication failed, try again");
      expect(client.text()).toContain("\x1b[31mAuthentication failed, try again");
      await client.waitFor("Username: ");
      client.send("alice\r\0correct horse\r\0");
      await client.waitFor("welcome alice");
      expect(client.text()).not.toContain("wrong");
    });
  });

  test("three failures end the session without running it", async () => {
    let ran = false;
    await withServer({ onSession: async () => void (ran = true), auth: aliceFile() }, async (server, log) => {
      const client = await telnetClient({ port: server.port });
      for (const user of ["alice", "mallory", "alice"]) {
        await client.waitFor("Username: ");
        client.send(`${user}\r\0guess\r\0`);
      }
      await client.waitForClose();
      expect(ran).toBe(false);
      expect(client.text()).toContain("Authentication failed\x1b[0m");
      expect(log).toContain("session 1: authentication failed");
    });
  });

  test("Ctrl-C at the login ends the session", async () => {
    await withServer({ onSession: session, auth: aliceFile() }, async (server) => {
      const client = await telnetClient({ port: server.port });
      await client.waitFor("Username: ");
      client.send("ali\x03");
      await client.waitForClose();
      expect(client.text()).not.toContain("welcome");
    });
  });

  test("a login not finished in time ends the session", async () => {
    await withServer({ onSession: session, auth: aliceFile(), loginTimeoutMs: 1 }, async (server) => {
      const client = await telnetClient({ port: server.port });
      await client.waitFor("Login timed out.");
      await client.waitForClose();
    });
  });

  test("keys typed after the password reach the session", async () => {
    const onSession = async (connection: TelnetConnection) => {
      connection.output.write(`line ${JSON.stringify(await readLine(connection))}\n`);
    };
    await withServer({ onSession, auth: aliceFile() }, async (server) => {
      const client = await telnetClient({ port: server.port });
      await client.waitFor("Username: ");
      client.send("alice\r\0correct horse\r\0uptime\r\0");
      await client.waitFor('line "uptime"');
    });
  });
});

const telnet = Bun.which("telnet");

describe("a real telnet client", () => {
  test("negotiates character mode and NAWS, sends keys at once, and reports a resize", async () => {
    // npm test's fixture setup installs Debian's telnet when it is missing.
    if (!telnet) throw new Error("the real telnet client is missing: run the tests with npm test, which installs it");
    const onSession = async (connection: TelnetConnection) => {
      connection.on("resize", (c: number, r: number) => connection.output.write(`size ${c}x${r}\n`));
      const line = await readLine(connection);
      connection.output.write(`got ${JSON.stringify(line)}\n`);
      await new Promise<void>((resolve) => {
        const check = () => connection.columns === 120 && resolve();
        connection.on("resize", check);
        check();
      });
    };
    await withServer({ onSession }, async (server) => {
      let output = "";
      const pty = await spawnPty({
        file: telnet!,
        args: ["127.0.0.1", String(server.port)],
        cols: 100,
        rows: 30,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm" },
        onData: (chunk) => void (output += Buffer.from(chunk).toString()),
      });
      const seen = (text: string) => until(() => output.includes(text), JSON.stringify(text));
      try {
        await seen("size 100x30");
        pty.write("hi\r");
        await seen('got "hi"');
        pty.resize(120, 40);
        await seen("size 120x40");
        await until(() => /closed by foreign host/i.test(output), "telnet to report the end of the session");
      } finally {
        pty.kill();
      }
    });
  });
});

/** What a shell would do: read keys until Enter (the test's own tiny line reader). */
function readLine(connection: TelnetConnection): Promise<string> {
  return new Promise((resolve) => {
    let line = "";
    const onData = (chunk: Buffer) => {
      line += chunk.toString();
      const end = line.indexOf("\r");
      if (end < 0) return;
      connection.input.off("data", onData);
      connection.input.pause();
      resolve(line.slice(0, end));
    };
    connection.input.on("data", onData);
    connection.input.resume(); // paused after a login, as process.stdin is until read
  });
}
