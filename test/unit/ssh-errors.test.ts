import { expect, test } from "bun:test";
import { describeHandshakeError } from "../../engine/host/_ssh.ts";
import type { Endpoint } from "../../engine/host/_ssh_plan.ts";

const endpoint: Endpoint = {
  label: "web1", host: "web1.example", port: 2222, username: "deploy", credentials: [], timeout: 7,
  keepaliveInterval: 30, keepaliveCountMax: 3, knownHostsFile: "~/.ssh/known_hosts", acceptNewHostKeys: false, askAboutNewHostKeys: true,
};

function error(fields: { message?: string; level?: string; code?: string }): Error {
  return Object.assign(new Error(fields.message ?? "boom"), fields);
}

// Each cause a user can meet, and the one line they read. (DNS failures cannot be produced in a
// test without querying a resolver that is not on loopback, so the mapping is checked here.)
test.each([
  [{ code: "ENOTFOUND" }, [], `host name "web1.example" not found`],
  [{ code: "EAI_AGAIN" }, [], `host name "web1.example" not found`],
  [{ code: "ECONNREFUSED" }, [], "connection refused by web1.example:2222"],
  [{ code: "EHOSTUNREACH" }, [], "web1.example:2222 is unreachable"],
  [{ code: "ECONNRESET" }, [], "connection reset by web1.example:2222"],
  [{ level: "client-timeout" }, [], "timed out after 7s connecting to web1.example:2222"],
  [{ level: "client-authentication" }, ["agent", "publickey ~/.ssh/id_ed25519", "password"], `authentication failed for user "deploy" (tried agent, publickey ~/.ssh/id_ed25519, password)`],
  [{ level: "client-authentication" }, [], `authentication failed for user "deploy" (no key, password or agent configured)`],
  [{ message: "something odd" }, [], "something odd (web1.example:2222)"],
] as const)("%j says what went wrong", (fields, tried, expected) => {
  expect(describeHandshakeError(endpoint, error(fields), undefined, [...tried])).toBe(expected);
});

test("a host key problem explains itself, whatever error ssh2 reported", () => {
  expect(describeHandshakeError(endpoint, error({ level: "client-authentication" }), "host key has CHANGED", [])).toBe("host key has CHANGED");
});
