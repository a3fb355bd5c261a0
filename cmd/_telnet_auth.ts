// Telnet logins: the password file (`username:scrypt$N$r$p$salt$key` lines, checked in constant time) and the login screen.
import { readFileSync, statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { CliError } from "./_errors.ts";
import type { TelnetConnection } from "./_telnet.ts";
import { nodeCrypto } from "../engine/_builtins.ts";

/** The users a telnet server lets in, loaded from a password file. */
export interface PasswordFile {
  /** The file the users came from. */
  readonly path: string;
  /** The usernames, in file order. */
  readonly usernames: readonly string[];
  /** Whether `password` is `username`'s; takes as long for an unknown user as for a known one. */
  verify(username: string, password: string): Promise<boolean>;
}

interface Hash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/** scrypt's cost parameters for new hashes (N = 2^14, r = 8, p = 1: about 16 MiB and tens of milliseconds). */
const DEFAULT = { N: 16384, r: 8, p: 1 };
/** The most memory one hash may ask for (128·N·r bytes), so a hostile file cannot exhaust the server. */
const MAX_MEMORY = 512 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const USERNAME = /^[^\s:]+$/;
const FORMAT = 'expected "username:scrypt$N$r$p$saltBase64$keyBase64"';

/** A password file line's hash part for `password`: `scrypt$N$r$p$saltBase64$keyBase64` (random salt). */
export function hashPassword(password: string): string {
  const { randomBytes, scryptSync } = nodeCrypto();
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { ...DEFAULT, maxmem: maxmem(DEFAULT) });
  return `scrypt$${DEFAULT.N}$${DEFAULT.r}$${DEFAULT.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** Read a password file; refuses one that group or others may access, as ssh refuses a loose key file. */
export function loadPasswordFile(path: string): PasswordFile {
  let text: string;
  try {
    const mode = statSync(path).mode & 0o777;
    if (process.platform !== "win32" && mode & 0o077) {
      throw new CliError(`password file ${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, "0")}); run: chmod 600 ${path}`);
    }
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read password file ${path}${code ? ` (${code})` : ""}`);
  }
  return parsePasswordFile(text, path);
}

/** Parse a password file's text; `path` names it in errors (which give the line, never its content). */
export function parsePasswordFile(text: string, path: string): PasswordFile {
  const users = new Map<string, Hash>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const where = `${path}:${index + 1}`;
    const colon = line.indexOf(":");
    const username = line.slice(0, colon);
    if (colon < 0 || !USERNAME.test(username)) throw new CliError(`${where}: ${FORMAT}`);
    if (users.has(username)) throw new CliError(`${where}: user "${username}" appears twice`);
    users.set(username, parseHash(line.slice(colon + 1), where));
  });
  if (users.size === 0) throw new CliError(`password file ${path} has no users`);
  // Unknown users are checked against this, so the time taken does not tell who exists.
  const { randomBytes, timingSafeEqual } = nodeCrypto();
  const dummy: Hash = { ...DEFAULT, salt: randomBytes(16), key: randomBytes(32) };
  return {
    path,
    usernames: [...users.keys()],
    async verify(username, password) {
      const hash = users.get(username);
      const derived = await derive(password, hash ?? dummy);
      return timingSafeEqual(derived, (hash ?? dummy).key) && hash !== undefined;
    },
  };
}

function parseHash(text: string, where: string): Hash {
  const parts = text.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") throw new CliError(`${where}: ${FORMAT}`);
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^[0-9]{1,9}$/.test(s) ? Number(s) : NaN)) as [number, number, number];
  if (!(N > 1 && (N & (N - 1)) === 0 && r >= 1 && r <= 64 && p >= 1 && p <= 16)) {
    throw new CliError(`${where}: bad scrypt parameters (N a power of two above 1, r 1-64, p 1-16)`);
  }
  if (128 * N * r > MAX_MEMORY) throw new CliError(`${where}: scrypt parameters need more than ${MAX_MEMORY / 2 ** 20} MiB`);
  const [salt, key] = parts.slice(4).map((s) => (BASE64.test(s) ? Buffer.from(s, "base64") : Buffer.alloc(0))) as [Buffer, Buffer];
  if (salt.length < 8 || key.length < 16 || key.length > 128) throw new CliError(`${where}: bad salt or key (base64; salt at least 8 bytes, key 16-128)`);
  return { N, r, p, salt, key };
}

function maxmem(cost: { N: number; r: number; p: number }): number {
  return 128 * cost.r * (cost.N + cost.p + 2) + 2 ** 20;
}

function derive(password: string, hash: Hash): Promise<Buffer> {
  const { N, r, p } = hash;
  return new Promise((resolve, reject) => {
    nodeCrypto().scrypt(password, hash.salt, hash.key.length, { N, r, p, maxmem: maxmem(hash) }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

const paint = (code: number, text: string) => `\x1b[${code}m${text}\x1b[0m`;

/** The login screen: three tries; Ctrl-C, Ctrl-D, a timeout or a hang-up give undefined. */
export async function login(connection: TelnetConnection, auth: PasswordFile, timeoutMs: number): Promise<string | undefined> {
  const { output } = connection;
  const reader = new LoginReader(connection);
  const timer = setTimeout(() => reader.cancel("\r\nLogin timed out."), timeoutMs);
  try {
    for (let attempt = 1; attempt <= 3; attempt++) {
      output.write(`\x1b[2J\x1b[H${paint(36, "Please authenticate")}\r\n`);
      if (attempt > 1) output.write(`${paint(31, "Authentication failed, try again")}\r\n`);
      output.write("\r\nUsername: ");
      const username = await reader.line(true);
      if (username === undefined) return undefined;
      output.write("Password: ");
      const password = await reader.line(false);
      if (password === undefined) return undefined;
      const verified = await auth.verify(username, password);
      if (reader.cancelled) return undefined; // timed out or hung up while the hash was computed
      if (verified) {
        output.write(`${paint(32, "Authentication successful")}\r\n`);
        return username;
      }
    }
    output.write(`${paint(31, "Authentication failed")}\r\n`);
    return undefined;
  } finally {
    clearTimeout(timer);
    reader.detach();
  }
}

/** Reads the login's lines from a connection's input; keys typed past the password stay for the shell. */
class LoginReader {
  private pending = "";
  private readonly decoder = new StringDecoder("utf8");
  private wake: (() => void) | undefined;
  /** Set by a timeout or a hang-up; every read after it gives undefined. */
  cancelled = false;
  private readonly onData = (chunk: Buffer) => {
    this.pending += this.decoder.write(chunk);
    this.wake?.();
  };
  private readonly onEnd = () => this.cancel();

  constructor(private readonly connection: TelnetConnection) {
    connection.input.on("data", this.onData);
    connection.input.on("end", this.onEnd);
  }

  cancel(message?: string): void {
    if (message && !this.connection.closed) this.connection.output.write(message);
    this.cancelled = true;
    this.wake?.();
  }

  detach(): void {
    const { input } = this.connection;
    input.off("data", this.onData);
    input.off("end", this.onEnd);
    input.pause();
    if (this.pending && !input.readableEnded) input.unshift(Buffer.from(this.pending));
  }

  /** One line; `echo` false prints nothing typed. Undefined on Ctrl-C, Ctrl-D, a timeout or a hang-up. */
  async line(echo: boolean): Promise<string | undefined> {
    const { output } = this.connection;
    let text = "";
    let escape: "no" | "esc" | "csi" = "no";
    for (;;) {
      if (this.cancelled) return undefined;
      if (!this.pending) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const chars = [...this.pending];
      while (chars.length) {
        const char = chars.shift()!;
        if (escape === "esc") escape = char === "[" || char === "O" ? "csi" : "no";
        else if (escape === "csi") escape = /[@-~]/.test(char) ? "no" : "csi";
        else if (char === "\x1b") escape = "esc";
        else if (char === "\r" || char === "\n") {
          this.pending = chars.join("");
          output.write("\r\n");
          return text;
        } else if (char === "\x03" || (char === "\x04" && !text)) {
          this.pending = chars.join("");
          output.write(char === "\x03" ? "^C\r\n" : "\r\n");
          return undefined;
        } else if (char === "\x7f" || char === "\b") {
          if (text && echo) output.write("\b \b");
          text = [...text].slice(0, -1).join("");
        } else if (char === "\x15") {
          if (echo) output.write("\b \b".repeat([...text].length));
          text = "";
        } else if (char >= " " && text.length < 256) {
          text += char;
          if (echo) output.write(char);
        }
      }
      this.pending = "";
    }
  }
}
