// ssh2 and the SFTP streams, as a part of their own in the compiled binary (see engine/_parts.ts):
// loaded on the first SSH connection, so runs on local hosts load neither ssh2 nor node:stream.
// (ssh2 is CommonJS: `export *` would re-export nothing from the bundle, so its namespace goes out
// as one value.)
import * as ssh2 from "ssh2";

export const api: typeof import("ssh2") = ssh2;
export { SftpReadStream, SftpWriteStream } from "./_sftp_io.ts";
