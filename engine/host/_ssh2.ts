// ssh2, as a part of its own in the compiled binary (see engine/_parts.ts): loaded on the first
// SSH connection, so runs on local hosts never load it. (ssh2 is CommonJS: `export *` would
// re-export nothing from the bundle, so the namespace goes out as one value.)
import * as ssh2 from "ssh2";

export const api: typeof import("ssh2") = ssh2;
