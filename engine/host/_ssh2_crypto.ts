// node:crypto as the binary's ssh2 sees it (build.ts makes ssh2's `require("crypto")` this module's
// `crypto`): the
// same, plus a "chacha20" cipher where the runtime has none. Bun's node:crypto (BoringSSL) lacks it,
// and ssh2 builds chacha20-poly1305@openssh.com on it; with this, the binary offers that cipher too
// (last, after AES-GCM and AES-CTR, which are faster here), so a server that allows only it still
// connects. Everything else is node:crypto's own.
import * as crypto from "node:crypto";
import { ChaCha20 } from "./_chacha20.ts";

const native = crypto.getCiphers().includes("chacha20");

function getCiphers(): string[] {
  return native ? crypto.getCiphers() : [...crypto.getCiphers(), "chacha20"];
}

type CipherArgs = [algorithm: string, key: Uint8Array, iv: Uint8Array | null, options?: object];

function createCipheriv(...[algorithm, key, iv, options]: CipherArgs): unknown {
  if (algorithm === "chacha20" && !native) return new ChaCha20(key, iv ?? new Uint8Array(0));
  return crypto.createCipheriv(algorithm, key, iv, options as never);
}

function createDecipheriv(...[algorithm, key, iv, options]: CipherArgs): unknown {
  if (algorithm === "chacha20" && !native) return new ChaCha20(key, iv ?? new Uint8Array(0));
  return crypto.createDecipheriv(algorithm, key, iv, options as never);
}

/** What ssh2 gets for `require("crypto")`. (An object, not `export *`: Bun's bundler loses a re-exported built-in when CommonJS requires the module.) */
export const ssh2Crypto = { ...crypto, getCiphers, createCipheriv, createDecipheriv };
