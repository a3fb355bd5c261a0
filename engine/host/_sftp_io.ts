// File streams over SFTP that keep several requests in flight. ssh2's own streams wait for each
// READ or WRITE reply before sending the next request, so a transfer runs at one chunk per round trip.
import { Readable, Writable } from "node:stream";

/** The largest read OpenSSH's SFTP server answers in one reply (261120 bytes). */
export const SFTP_CHUNK = 255 * 1024;
/** Requests a stream keeps in flight: 16 × 255 KiB, 4 MiB on the wire at most. */
export const SFTP_IN_FLIGHT = 16;

type Done = (error?: Error | null) => void;

/** The requests these streams send: the subset of ssh2's SFTPWrapper they use (ssh2 is imported in _ssh.ts only). */
export interface SftpRequests {
  open(path: string, flags: "r" | "w", attributes: { mode: number }, cb: (error: Error | undefined, handle: Buffer) => void): void;
  read(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, cb: (error: Error | undefined, bytesRead: number) => void): void;
  write(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, cb: Done): void;
  fchmod(handle: Buffer, mode: number, cb: Done): void;
  chmod(path: string, mode: number, cb: Done): void;
  close(handle: Buffer, cb: Done): void;
}

/**
 * Reads a file with up to SFTP_IN_FLIGHT READs outstanding, pushed in file order. The window starts
 * at one request and doubles with each full reply, so a small file costs no more requests than
 * reading it one chunk at a time. A short reply is followed by a request for the rest, as servers
 * may answer less than asked before the end; an empty reply is the end of the file.
 */
export class SftpReadStream extends Readable {
  private handle: Buffer | undefined;
  /** Requests in file order; `data` is set when the reply is in. */
  private readonly queue: Array<{ offset: number; length: number; data?: Buffer }> = [];
  private next = 0;
  private window = 1;
  /** Whether the stream asked for data that has not been pushed yet. */
  private wanted = false;
  private ended = false;

  constructor(private readonly sftp: SftpRequests, private readonly path: string) {
    super({ highWaterMark: SFTP_CHUNK });
  }

  override _construct(callback: Done): void {
    this.sftp.open(this.path, "r", { mode: 0o644 }, (error, handle) => {
      if (error) return callback(error);
      this.handle = handle;
      callback();
    });
  }

  override _read(): void {
    this.wanted = true;
    this.fill();
    this.deliver();
  }

  private fill(): void {
    while (!this.ended && this.queue.length < this.window) {
      this.request(this.next, SFTP_CHUNK, false);
      this.next += SFTP_CHUNK;
    }
  }

  private request(offset: number, length: number, first: boolean): void {
    const entry: { offset: number; length: number; data?: Buffer } = { offset, length };
    if (first) this.queue.unshift(entry);
    else this.queue.push(entry);
    const buffer = Buffer.allocUnsafe(length);
    this.sftp.read(this.handle!, buffer, 0, length, offset, (error, bytesRead) => {
      if (this.ended || this.destroyed) return; // a reply past the end, or after a failure
      if (error) return void this.destroy(error); // at once, as ssh2's stream does: the first failure is the one reported
      entry.data = buffer.subarray(0, bytesRead);
      this.deliver();
    });
  }

  /** Pushes the replies that are in, in order, while the stream wants data. */
  private deliver(): void {
    while (this.wanted && !this.ended && this.queue[0]?.data) {
      const head = this.queue.shift()!;
      const data = head.data!;
      if (data.length === 0) {
        this.ended = true;
        this.push(null);
        return;
      }
      if (data.length < head.length) this.request(head.offset + data.length, head.length - data.length, true);
      else this.window = Math.min(this.window * 2, SFTP_IN_FLIGHT);
      this.wanted = false;
      if (this.push(data)) this.wanted = true; // push may call _read itself, which sets it too
      this.fill();
    }
  }

  override _destroy(error: Error | null, callback: Done): void {
    // Nothing waits for the reply: a read handle's close cannot lose data, and on a dead connection it never comes.
    this.ended = true;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) this.sftp.close(handle, () => undefined);
    callback(error);
  }
}

/**
 * Writes a file with up to SFTP_IN_FLIGHT WRITEs outstanding: a chunk is taken while earlier ones
 * are on the wire. The mode is set right after opening (the server's umask applies to open), and
 * the final CLOSE follows the last write without waiting; the stream finishes once every reply has
 * come back, the close's included, and fails with the first error among them.
 */
export class SftpWriteStream extends Writable {
  private handle: Buffer | undefined;
  private position = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly sftp: SftpRequests, private readonly path: string, private readonly mode: number, private readonly lost: Promise<unknown>) {
    super({ highWaterMark: SFTP_CHUNK });
  }

  override _construct(callback: Done): void {
    this.sftp.open(this.path, "w", { mode: this.mode }, (error, handle) => {
      if (error) return callback(error);
      this.handle = handle;
      // Servers without fsetstat get a chmod by name, as ssh2's WriteStream does; its outcome is not checked there either.
      this.send((done) => this.sftp.fchmod(handle, this.mode, (e) => (e ? this.sftp.chmod(this.path, this.mode, () => done()) : done())));
      callback();
    });
  }

  /** Sends a request; its reply frees a slot, and a failure is kept for the next callback. */
  private send(request: (done: Done) => void): void {
    this.inFlight++;
    request((error) => {
      this.inFlight--;
      if (error) this.failure ??= error;
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    });
  }

  /** Calls back once fewer than `limit` requests are outstanding, or at the first failure. */
  private whenBelow(limit: number, callback: Done): void {
    if (this.failure) return callback(this.failure);
    if (this.inFlight < limit) return callback();
    this.wake = () => this.whenBelow(limit, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Done): void {
    const handle = this.handle!;
    // One request per SFTP_CHUNK: ssh2 would send the part of a larger chunk over the server's limit only after the first part's reply.
    for (let offset = 0; offset < chunk.length; offset += SFTP_CHUNK) {
      const length = Math.min(SFTP_CHUNK, chunk.length - offset);
      const position = this.position;
      this.position += length;
      this.send((done) => this.sftp.write(handle, chunk, offset, length, position, done));
    }
    this.whenBelow(SFTP_IN_FLIGHT, callback);
  }

  override _final(callback: Done): void {
    const handle = this.handle!;
    this.handle = undefined;
    this.send((done) => this.sftp.close(handle, done));
    this.whenBelow(1, callback);
  }

  override _destroy(error: Error | null, callback: Done): void {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return callback(error);
    // After a failure: close the handle, unless the connection goes first (then no reply ever comes).
    const closed = new Promise<void>((resolve) => this.sftp.close(handle, () => resolve()));
    void Promise.race([closed, this.lost]).then(() => callback(error));
  }
}
