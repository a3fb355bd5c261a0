// Who is at the other end of a Unix socket: the peer's uid from the kernel (SO_PEERCRED), asked
// through libc with Bun's FFI, since neither Bun nor Node has an API for it. Where that is not
// possible (another runtime, another libc, another OS) the answer is "unknown", and the socket's
// owner-only permissions are the only check.
import type { Socket } from "node:net";

/** Linux's getsockopt level and option, and the size of its struct ucred { pid, uid, gid }. */
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const UCRED_BYTES = 12;

type GetPeerUid = (fd: number) => number | undefined;

let getPeerUid: GetPeerUid | null | undefined;

/** The uid of the process that connected `socket`; undefined when the platform cannot say. */
export function peerUid(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) return undefined;
  getPeerUid ??= loadGetPeerUid();
  return getPeerUid ? getPeerUid(fd) : undefined;
}

function loadGetPeerUid(): GetPeerUid | null {
  if (process.platform !== "linux" || typeof Bun === "undefined") return null;
  try {
    const { dlopen, FFIType, ptr } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", {
      getsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    });
    return (fd) => {
      const cred = new Int32Array(UCRED_BYTES / 4);
      const length = new Uint32Array([UCRED_BYTES]);
      const status = libc.symbols.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ptr(cred), ptr(length));
      return status === 0 && length[0] === UCRED_BYTES ? cred[1]! >>> 0 : undefined;
    };
  } catch {
    return null;
  }
}
