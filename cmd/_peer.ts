// Who is at the other end of a Unix socket: the peer's uid from the kernel (SO_PEERCRED), asked
// through libc with Bun's FFI, since neither Bun nor Node has an API for it. Where that is not
// possible (another runtime, another libc, another OS) the answer is "unknown", and the socket's
// owner-only permissions are the only check.
import { readFileSync } from "node:fs";
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

/**
 * The uid that owns the other end of a TCP connection made from this machine, from the kernel's
 * socket table (/proc/net/tcp and tcp6, where the client's socket is listed with its owner);
 * undefined when the client is elsewhere, or the platform cannot say.
 */
export function tcpPeerUid(socket: Pick<Socket, "localAddress" | "localPort" | "remoteAddress" | "remotePort">): number | undefined {
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (process.platform !== "linux" || !localAddress || !remoteAddress || !localPort || !remotePort) return undefined;
  // The client's socket: its own address first, then ours. A client on an IPv4 socket that reached
  // an IPv6 listener is in the IPv4 table, where the mapped addresses (::ffff:a.b.c.d) are plain.
  const unmapped = (address: string) => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
  const candidates = [[remoteAddress, localAddress], [unmapped(remoteAddress), unmapped(localAddress)]]
    .map(([client, server]) => [procAddress(client!, remotePort), procAddress(server!, localPort)].join(" "));
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "latin1");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (candidates.includes(`${fields[1]} ${fields[2]}`)) {
        const uid = Number(fields[7]);
        return Number.isInteger(uid) ? uid : undefined;
      }
    }
  }
  return undefined;
}

/**
 * An address and port as /proc/net/tcp writes them: the address's 32-bit words each in the host's
 * byte order, in hex (IPv4 in tcp, IPv6 and IPv4-mapped IPv6 in tcp6), then the port in hex.
 */
export function procAddress(address: string, port: number): string | undefined {
  const bytes = addressBytes(address);
  if (!bytes) return undefined;
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  let hex = "";
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    if (little) word.reverse();
    hex += word.map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  return `${hex.toUpperCase()}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The bytes of an IPv4 (4) or IPv6 (16) address in network order; undefined if it is neither. */
function addressBytes(address: string): number[] | undefined {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? parts : undefined;
  }
  if (!address.includes(":")) return undefined;
  let text = address.replace(/%.*$/, "");
  // A trailing IPv4 part (::ffff:127.0.0.1) becomes two groups.
  const tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const four = addressBytes(tail[2]!)!;
    if (!four) return undefined;
    text = `${tail[1]}${((four[0]! << 8) | four[1]!).toString(16)}:${((four[2]! << 8) | four[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.flatMap((g) => { const n = parseInt(g, 16); return [n >> 8, n & 0xff]; });
}
