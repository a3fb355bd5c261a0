import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActionException, DummyPty, Env, Node, SSHHost } from "../../engine/index.ts";
import { loadFixture } from "../fixture/sshd.ts";
import { until } from "../helpers/wait.ts";

const fixture = loadFixture();
const h = fixture.hosts[1]!;

class Remote extends SSHHost {
  slug = h.slug; address = h.address; port = h.port; username = fixture.username;
  keyFilename = fixture.clientKey; knownHostsFilename = fixture.knownHosts;
}

test("an upload cut off by a lost connection leaves no file at the destination", async () => {
  const local = mkdtempSync(join(tmpdir(), "deployer-fault-"));
  const source = join(local, "big.bin");
  writeFileSync(source, Buffer.alloc(200 * 1024 * 1024, 7));
  const remoteDir = mkdtempSync(join(tmpdir(), "deployer-fault-remote-"));
  chmodSync(remoteDir, 0o777);
  const destination = join(remoteDir, "big.bin");
  const env = new Env(new (class extends Node { Hosts = { host: Remote }; })(), { pty: new DummyPty() });
  try {
    const host = env.hosts.at(0);
    const upload = host.putFile(source, destination).then(() => undefined, (e: unknown) => e);
    // Once bytes are arriving (in a temporary file), kill the sshd session serving the transfer.
    await until(() => readdirSync(remoteDir).some((name) => statSync(join(remoteDir, name)).size > 1024 * 1024), "the upload to start");
    // The connections of this fixture host's own sshd (children of its listener): other runs'
    // fixtures and their sessions, on other listeners, are left alone.
    const children = (pid: string) => spawnSync("pgrep", ["-P", pid], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    const sessions: string[] = [];
    for (let next = children(String(fixture.pids[fixture.hosts.indexOf(h)]!)); next.length; next = next.flatMap(children)) sessions.push(...next);
    expect(sessions.length).toBeGreaterThan(0);
    for (const pid of sessions) process.kill(Number(pid), "SIGKILL");
    const error = await upload;
    const cause = error instanceof ActionException ? error.innerException : error;
    expect(cause).toBeInstanceOf(Error);
    expect(String((cause as Error).message)).toMatch(/connection lost|cannot write|closed|No response/i);
    expect(existsSync(destination)).toBe(false);
  } finally {
    await Env.close(env);
  }
}, 60_000);
