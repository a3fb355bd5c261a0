// Node built-ins that are slow to load under Bun, taken on first use instead of imported. Bun sets
// up node:crypto, node:stream, node:net, node:readline, node:util and node:child_process in
// JavaScript when they are first imported, about 3 ms together, and an `import` at the top of any
// module in the binary costs every start-up that time. A cached `run -- ACTION` on local hosts,
// cron's case, needs none of them. Types still come from `import type`.
import process from "node:process";

export const nodeCrypto = (): typeof import("node:crypto") => process.getBuiltinModule("node:crypto");
export const nodeNet = (): typeof import("node:net") => process.getBuiltinModule("node:net");
export const nodeStream = (): typeof import("node:stream") => process.getBuiltinModule("node:stream");
export const nodeUtil = (): typeof import("node:util") => process.getBuiltinModule("node:util");
export const nodeReadline = (): typeof import("node:readline") => process.getBuiltinModule("node:readline");
export const nodeChildProcess = (): typeof import("node:child_process") => process.getBuiltinModule("node:child_process");
export const nodeVm = (): typeof import("node:vm") => process.getBuiltinModule("node:vm");

/** The SHA-256 of `values` one after the other, in hex: Bun's own hasher when there is one (no node:crypto to load), else node:crypto's. */
export function sha256Hex(...values: Array<string | Uint8Array>): string {
  const Hasher = (globalThis as { Bun?: { CryptoHasher: new (algorithm: string) => Hashing } }).Bun?.CryptoHasher;
  const hash: Hashing = Hasher ? new Hasher("sha256") : nodeCrypto().createHash("sha256");
  for (const value of values) hash.update(value);
  return hash.digest("hex");
}

interface Hashing {
  update(value: string | Uint8Array): unknown;
  digest(encoding: "hex"): string;
}

/** `bytes` random bytes in hex, from the Web Crypto every runtime has. */
export function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}

/** `inspect` from node:util. */
export function inspect(value: unknown, options?: import("node:util").InspectOptions): string {
  return nodeUtil().inspect(value, options);
}

/** The class `define` makes, made the first time it is asked for: for classes that extend a slow built-in's. */
export function lazyClass<C>(define: () => C): () => C {
  let defined: C | undefined;
  return () => (defined ??= define());
}
