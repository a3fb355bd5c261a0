// A host printed or turned into JSON (an action's result, a log line) shows its settings, never
// its credentials.
import { expect, test } from "bun:test";
import { inspect } from "node:util";
import { Env, LocalHost, Node, SSHHost } from "../../engine/index.ts";

const PASSWORD = `pw-${crypto.randomUUID()}`;
const PASSPHRASE = `phrase-${crypto.randomUUID()}`;

class Secretive extends SSHHost {
  slug = "secretive";
  address = "127.0.0.1";
  username = "someone";
  password = PASSWORD;
  rsaKeyPassword = PASSPHRASE;
}
class Here extends LocalHost { slug = "here"; password = PASSWORD; }

test("JSON.stringify and inspect show a host's settings with credentials as ***, alone and in a container", () => {
  for (const host of [new Secretive(), new Here()]) {
    for (const text of [JSON.stringify(host), inspect(host), JSON.stringify([host]), JSON.stringify({ host })]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(PASSPHRASE);
      expect(text).toContain("***");
      expect(text).toContain(host.slug);
    }
  }
  const json = JSON.parse(JSON.stringify(new Secretive())) as Record<string, unknown>;
  expect(json.address).toBe("127.0.0.1");
  expect(json.password).toBe("***");
});

test("an Env's hosts print the same way", async () => {
  const env = new Env(new (class extends Node { Hosts = { host: Here }; })());
  try {
    const host = env.hosts.at(0);
    for (const text of [JSON.stringify(host), inspect(host), JSON.stringify([...env.hosts])]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).toContain("***");
    }
  } finally {
    await Env.close(env);
  }
});
