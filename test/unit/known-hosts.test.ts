import { expect, test } from "bun:test";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addHostKey, checkHostKey, knownHostsName } from "../../engine/host/_known_hosts.ts";

function keyBlob(type: string, body: string): Buffer {
  const typeBytes = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(typeBytes.length);
  return Buffer.concat([length, typeBytes, Buffer.from(body)]);
}

const KEY = keyBlob("ssh-ed25519", "the-real-key");
const OTHER = keyBlob("ssh-ed25519", "an-impostor");

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "deployer-kh-")), "known_hosts");
  writeFileSync(path, text);
  return path;
}

test("names use [host]:port except on port 22", () => {
  expect(knownHostsName("10.0.0.1", 22)).toBe("10.0.0.1");
  expect(knownHostsName("127.0.0.10", 2222)).toBe("[127.0.0.10]:2222");
});

test("a plain entry with the same key is known; a different key of that type is a change naming file and line", () => {
  const path = file(`# comment\nother.example ssh-ed25519 ${OTHER.toString("base64")}\n[127.0.0.10]:2222 ssh-ed25519 ${KEY.toString("base64")}\n`);
  expect(checkHostKey(path, "[127.0.0.10]:2222", KEY)).toEqual({ kind: "known" });
  expect(checkHostKey(path, "[127.0.0.10]:2222", OTHER)).toEqual({ kind: "changed", file: path, line: 3 });
  expect(checkHostKey(path, "[127.0.0.11]:2222", KEY)).toEqual({ kind: "unknown" });
});

test("hashed entries match by HMAC", () => {
  const salt = randomBytes(20);
  const hash = createHmac("sha1", salt).update("web1.example").digest("base64");
  const path = file(`|1|${salt.toString("base64")}|${hash} ssh-ed25519 ${KEY.toString("base64")}\n`);
  expect(checkHostKey(path, "web1.example", KEY)).toEqual({ kind: "known" });
  expect(checkHostKey(path, "web2.example", KEY)).toEqual({ kind: "unknown" });
});

test("patterns with wildcards and negation", () => {
  const path = file(`*.example,!bad.example ssh-ed25519 ${KEY.toString("base64")}\n`);
  expect(checkHostKey(path, "good.example", KEY).kind).toBe("known");
  expect(checkHostKey(path, "bad.example", KEY).kind).toBe("unknown");
});

test("a missing file knows no host; adding creates it with the entry", () => {
  const path = join(mkdtempSync(join(tmpdir(), "deployer-kh-")), "sub", "known_hosts");
  expect(checkHostKey(path, "h", KEY).kind).toBe("unknown");
  addHostKey(path, "[127.0.0.12]:2200", KEY);
  expect(readFileSync(path, "utf8")).toBe(`[127.0.0.12]:2200 ssh-ed25519 ${KEY.toString("base64")}\n`);
  expect(checkHostKey(path, "[127.0.0.12]:2200", KEY).kind).toBe("known");
});
