// ssh2 and the SFTP streams, as a part of their own in the compiled binary (see engine/_parts.ts):
// loaded on the first SSH connection, so runs on local hosts load neither ssh2 nor node:stream.
// (ssh2 is CommonJS: `export *` would re-export nothing from the bundle, so its namespace goes out
// as one value.)
import * as ssh2 from "ssh2";
// @ts-expect-error ssh2's internals have no types; DEFAULT_CIPHER is the list it offers.
import { DEFAULT_CIPHER } from "ssh2/lib/protocol/constants.js";

export const api: typeof import("ssh2") = ssh2;
/** The ciphers ssh2 offers, in its order (what the runtime's crypto, or its stand-in, can do). */
export const defaultCiphers: readonly string[] = DEFAULT_CIPHER;
export { SftpReadStream, SftpWriteStream } from "./_sftp_io.ts";
