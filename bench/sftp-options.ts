// Which ssh2 SFTP transfer options would speed up deployer's putFile/getFile: measured here with
// ssh2 used directly (the engine imports ssh2 in engine/host/_ssh.ts only; this script is a probe).
//
//   ./node_modules/.bin/bun bench/sftp-options.ts [--size-mb 100] [--runs 3]
//
// Each variant copies the random file over one already-open SFTP channel; every copy is checked by sha256.
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { Client, type SFTPWrapper } from "ssh2";
import type { Fixture, FixtureHost } from "../test/fixture/sshd.ts";
import { MIB, Teardown, median, mibPerSec, parseOptions, setUp, sha256File, type Direction, type Setup } from "./transfer.ts";

// OpenSSH's sftp-server answers limits@openssh.com with 256 KiB packets, so 255 KiB of data per request.
const MAX_IO = 256 * 1024 - 1024;

/** One way of copying `from` to `to` over an open connection. */
interface Variant {
  name: string;
  direction: Direction;
  copy(conn: Connection, from: string, to: string): Promise<void>;
}

interface Connection {
  client: Client;
  sftp: SFTPWrapper;
  cipher: string | undefined;
}

/** Connects with the fixture's key, accepting only the fixture's host key, and opens SFTP. */
async function connect(fixture: Fixture, h: FixtureHost): Promise<Connection> {
  const client = new Client();
  const expectedKey = Buffer.from(h.hostPublicKey.split(" ")[1]!, "base64");
  let cipher: string | undefined;
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
    client.connect({
      host: h.address, port: h.port, username: fixture.username, privateKey: fs.readFileSync(fixture.clientKey),
      hostVerifier: (key: Buffer) => key.equals(expectedKey),
      debug: (line: string) => (cipher ??= /C->S Cipher: (\S+)/.exec(line)?.[1]),
    });
  });
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((error, s) => (error ? reject(error) : resolve(s))));
  return { client, sftp, cipher };
}

function callback(fn: (cb: (error?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((error) => (error ? reject(error) : resolve())));
}

/** Waits for an ssh2 SFTP stream to close its handle (it closes after 'finish'/'end'). */
function closed(stream: NodeJS.EventEmitter & { isClosed?: boolean }): Promise<void> {
  return stream.isClosed ? Promise.resolve() : new Promise((resolve) => stream.once("close", () => resolve()));
}

// ---------------------------------------------------------------------------
// The variants: deployer's streams as they are today, streams with bigger buffers, fastPut/fastGet, and
// a plain `cat` over an exec channel as the ceiling of ssh2's transport (no SFTP at all).

function uploadStream(name: string, readHwm?: number, writeHwm?: number): Variant {
  return {
    name, direction: "upload",
    async copy({ sftp }, from, to) {
      const out = sftp.createWriteStream(to, { mode: 0o644, highWaterMark: writeHwm });
      await pipeline(fs.createReadStream(from, { highWaterMark: readHwm }), out);
      await closed(out as never);
    },
  };
}

function downloadStream(name: string, readHwm?: number): Variant {
  return {
    name, direction: "download",
    async copy({ sftp }, from, to) {
      const source = sftp.createReadStream(from, { highWaterMark: readHwm });
      await pipeline(source, fs.createWriteStream(to));
      await closed(source as never);
    },
  };
}

function fastPut(concurrency?: number, chunkSize?: number): Variant {
  return {
    name: `fastPut ${describe(concurrency, chunkSize)}`, direction: "upload",
    copy: ({ sftp }, from, to) => callback((cb) => sftp.fastPut(from, to, { concurrency, chunkSize, mode: 0o644 }, cb)),
  };
}

function fastGet(concurrency?: number, chunkSize?: number): Variant {
  return {
    name: `fastGet ${describe(concurrency, chunkSize)}`, direction: "download",
    copy: ({ sftp }, from, to) => callback((cb) => sftp.fastGet(from, to, { concurrency, chunkSize }, cb)),
  };
}

function describe(concurrency?: number, chunkSize?: number): string {
  return concurrency === undefined ? "default (64 x 32 KiB)" : `${concurrency} x ${Math.round(chunkSize! / 1024)} KiB`;
}

/** `cat` through an exec channel: what ssh2's channel moves without SFTP's request/response round trips. */
function execCat(direction: Direction): Variant {
  return {
    name: "exec cat (no SFTP)", direction,
    async copy({ client }, from, to) {
      const command = direction === "upload" ? `cat > '${to}'` : `cat '${from}'`;
      const channel = await new Promise<import("ssh2").ClientChannel>((resolve, reject) =>
        client.exec(command, (error, c) => (error ? reject(error) : resolve(c))));
      const exited = new Promise<void>((resolve) => channel.once("close", () => resolve()));
      if (direction === "upload") {
        channel.resume(); // cat prints nothing, but the channel only closes once its output side has ended
        await pipeline(fs.createReadStream(from, { highWaterMark: MIB }), channel);
      }
      else await pipeline(channel, fs.createWriteStream(to));
      await exited;
    },
  };
}

function variants(): Variant[] {
  return [
    uploadStream("createWriteStream (deployer today)"),
    uploadStream("createWriteStream, 4 MiB hwm", undefined, 4 * MIB),
    uploadStream("createWriteStream, 255 KiB reads", MAX_IO),
    uploadStream("createWriteStream, 255 KiB reads, 4 MiB hwm", MAX_IO, 4 * MIB),
    fastPut(),
    fastPut(16, 64 * 1024),
    fastPut(8, MAX_IO),
    fastPut(32, MAX_IO),
    execCat("upload"),
    downloadStream("createReadStream (deployer today)"),
    downloadStream("createReadStream, 255 KiB hwm", MAX_IO),
    fastGet(),
    fastGet(16, 64 * 1024),
    fastGet(8, MAX_IO),
    fastGet(32, MAX_IO),
    execCat("download"),
  ];
}

// ---------------------------------------------------------------------------

async function measure(conn: Connection, variant: Variant, setup: Setup, index: number): Promise<number> {
  const [from, to] = variant.direction === "upload"
    ? [setup.source, path.join(setup.remoteDir, `up-${index}.bin`)]
    : [setup.remoteSource, path.join(setup.localDir, `down-${index}.bin`)];
  fs.rmSync(to, { force: true });
  const start = performance.now();
  await variant.copy(conn, from, to);
  const seconds = (performance.now() - start) / 1000;
  const got = await sha256File(to);
  if (got !== setup.sha256) throw new Error(`${variant.name}: wrong bytes (sha256 ${got})`);
  fs.rmSync(to, { force: true });
  return seconds;
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const teardown = new Teardown();
  teardown.exitOnSignals();
  try {
    const setup = await setUp(teardown, Math.round(options.sizeMb * MIB));
    const conn = await connect(setup.fixture, setup.host);
    teardown.add(() => conn.client.end());
    const list = variants();
    const seconds: number[][] = list.map(() => []);
    for (let r = 0; r < options.runs; r++) {
      // Rotated each run, so no variant always follows the same one.
      for (const i of list.map((_, k) => (k + r) % list.length)) {
        const variant = list[i]!;
        seconds[i]!.push(await measure(conn, variant, setup, i));
        process.stderr.write(`run ${r + 1}/${options.runs} ${variant.direction.padEnd(8)} ${variant.name}: ${mibPerSec(setup.bytes, seconds[i]!.at(-1)!).toFixed(1)} MiB/s\n`);
      }
    }
    const limits = conn.sftp as unknown as { _maxReadLen?: number; _maxWriteLen?: number }; // ssh2 internals, read only
    console.log(`ssh2 ${conn.cipher ?? "?"}, SFTP max read ${limits._maxReadLen} / write ${limits._maxWriteLen} bytes per request, `
      + `${(setup.bytes / MIB).toFixed(0)} MiB, median of ${options.runs}`);
    const width = Math.max(...list.map((v) => v.name.length));
    for (const [i, variant] of list.entries()) {
      console.log(`${variant.direction.padEnd(8)} ${variant.name.padEnd(width)}  ${mibPerSec(setup.bytes, median(seconds[i]!)).toFixed(1).padStart(6)} MiB/s`);
    }
    return 0;
  } finally {
    await teardown.run();
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
