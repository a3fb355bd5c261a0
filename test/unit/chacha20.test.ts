// The ChaCha20 that stands in for OpenSSL's "chacha20" in the binary's ssh2: checked against RFC 8439
// and against OpenSSL's own, through Node (which has it), on random keys, IVs and lengths.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { ChaCha20 } from "../../engine/host/_chacha20.ts";

test("RFC 8439's encryption example (section 2.4.2)", () => {
  const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  // Counter 1, then the nonce 00:00:00:00:00:00:00:4a:00:00:00:00.
  const iv = Buffer.from("01000000000000000000004a00000000", "hex");
  const text = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
  const encrypted = new ChaCha20(key, iv).update(Buffer.from(text));
  expect(encrypted.subarray(0, 16).toString("hex")).toBe("6e2e359a2568f98041ba0728dd0d6981");
  expect(encrypted.subarray(-2).toString("hex")).toBe("874d");
  expect(new ChaCha20(key, iv).update(encrypted).toString()).toBe(text);
});

test("the same bytes as OpenSSL's chacha20 (through Node), whole or in pieces", () => {
  const script = `
    const c = require("crypto");
    const out = [];
    for (let i = 0; i < 60; i++) {
      const key = c.randomBytes(32), iv = c.randomBytes(16), len = [0, 1, 4, 63, 64, 65, 127, 128, 1000, 4096][i % 10];
      if (i % 3 === 0) { iv.fill(0, 0, 4); iv[0] = i % 2; }
      iv[3] = 0; // no block counter near 2^32: OpenSSL carries into the next word there, which SSH never reaches
      const data = c.randomBytes(len);
      out.push({ key: key.toString("hex"), iv: iv.toString("hex"), data: data.toString("hex"), enc: c.createCipheriv("chacha20", key, iv).update(data).toString("hex") });
    }
    console.log(JSON.stringify(out));`;
  const node = spawnSync("node", ["-e", script], { encoding: "utf8" });
  expect(node.status).toBe(0);
  const vectors = JSON.parse(node.stdout) as Array<{ key: string; iv: string; data: string; enc: string }>;
  expect(vectors).toHaveLength(60);
  for (const v of vectors) {
    const data = Buffer.from(v.data, "hex");
    const cipher = new ChaCha20(Buffer.from(v.key, "hex"), Buffer.from(v.iv, "hex"));
    // In three uneven pieces: the keystream carries on across calls.
    const cuts = [Math.floor(data.length / 3), Math.floor(data.length / 2)];
    const pieces = [data.subarray(0, cuts[0]), data.subarray(cuts[0], cuts[1]), data.subarray(cuts[1])].map((p) => cipher.update(p));
    expect(Buffer.concat([...pieces, cipher.final()]).toString("hex")).toBe(v.enc);
  }
});

test("a key or IV of the wrong size is refused", () => {
  expect(() => new ChaCha20(Buffer.alloc(16), Buffer.alloc(16))).toThrow(RangeError);
  expect(() => new ChaCha20(Buffer.alloc(32), Buffer.alloc(12))).toThrow(RangeError);
});
