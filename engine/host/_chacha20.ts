// ChaCha20 (RFC 8439) as OpenSSL's "chacha20" cipher has it: a 32-byte key and a 16-byte IV whose
// first 4 bytes are the block counter (little-endian) and the other 12 the nonce. ssh2 builds
// chacha20-poly1305@openssh.com on that cipher (with Poly1305 in WebAssembly), and Bun's node:crypto
// (BoringSSL) has no chacha20, so this one stands in for it in the binary's ssh2 (engine/host/_ssh2_crypto.ts).

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

/** A ChaCha20 keystream XORed over what `update` is given, in order, as a cipher or decipher alike. */
export class ChaCha20 {
  private readonly state = new Uint32Array(16);
  private readonly block = new Uint32Array(16);
  private readonly blockBytes = new Uint8Array(this.block.buffer);
  /** Bytes of the current keystream block already used (64: none left). */
  private used = 64;

  constructor(key: Uint8Array, iv: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`chacha20: the key is ${key.length} bytes, not 32`);
    if (iv.length !== 16) throw new RangeError(`chacha20: the IV is ${iv.length} bytes, not 16`);
    const word = (bytes: Uint8Array, at: number) => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
    this.state.set(SIGMA, 0);
    for (let i = 0; i < 8; i++) this.state[4 + i] = word(key, 4 * i);
    for (let i = 0; i < 4; i++) this.state[12 + i] = word(iv, 4 * i);
  }

  /** `data` XOR the next data.length bytes of keystream. */
  update(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    const keystream = this.blockBytes;
    for (let i = 0; i < data.length;) {
      if (this.used === 64) this.nextBlock();
      // The rest of this block's keystream, or of the data, whichever ends first.
      const take = Math.min(data.length - i, 64 - this.used);
      const from = this.used;
      for (let k = 0; k < take; k++) out[i + k] = data[i + k]! ^ keystream[from + k]!;
      i += take;
      this.used += take;
    }
    return out;
  }

  /** A stream cipher has nothing left over. */
  final(): Buffer {
    return Buffer.alloc(0);
  }

  private nextBlock(): void {
    const s = this.state;
    const x = this.block;
    x.set(s);
    for (let round = 0; round < 10; round++) {
      quarter(x, 0, 4, 8, 12); quarter(x, 1, 5, 9, 13); quarter(x, 2, 6, 10, 14); quarter(x, 3, 7, 11, 15);
      quarter(x, 0, 5, 10, 15); quarter(x, 1, 6, 11, 12); quarter(x, 2, 7, 8, 13); quarter(x, 3, 4, 9, 14);
    }
    for (let i = 0; i < 16; i++) x[i] = (x[i]! + s[i]!) >>> 0;
    if (!littleEndian) for (let i = 0; i < 16; i++) x[i] = swap(x[i]!);
    s[12] = (s[12]! + 1) >>> 0; // the 32-bit block counter, as OpenSSL counts
    this.used = 0;
  }
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const swap = (v: number) => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

function quarter(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  let va = x[a]!, vb = x[b]!, vc = x[c]!, vd = x[d]!;
  va = (va + vb) | 0; vd ^= va; vd = (vd << 16) | (vd >>> 16);
  vc = (vc + vd) | 0; vb ^= vc; vb = (vb << 12) | (vb >>> 20);
  va = (va + vb) | 0; vd ^= va; vd = (vd << 8) | (vd >>> 24);
  vc = (vc + vd) | 0; vb ^= vc; vb = (vb << 7) | (vb >>> 25);
  x[a] = va; x[b] = vb; x[c] = vc; x[d] = vd;
}
