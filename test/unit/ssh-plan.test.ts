import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { planConnection, type SshHostFields } from "../../engine/host/_ssh_plan.ts";

const dir = mkdtempSync(join(tmpdir(), "deployer-plan-"));
const keyFile = join(dir, "id_test");
writeFileSync(keyFile, "not really a key");
const configFile = join(dir, "config");
writeFileSync(configFile, [
  "Host app",
  "  HostName 10.1.2.3",
  "  Port 2200",
  "  User deploy",
  `  IdentityFile ${keyFile}`,
  "  ConnectTimeout 4",
  "  ServerAliveInterval 15",
  "  ServerAliveCountMax 5",
  "  StrictHostKeyChecking accept-new",
  "  UserKnownHostsFile ~/.ssh/app_known_hosts",
  "  ProxyJump jump@bastion:2022",
  "Host strict",
  "  StrictHostKeyChecking yes",
  "  PasswordAuthentication no",
].join("\n"));

function fields(overrides: Partial<SshHostFields>): SshHostFields {
  return {
    name: "app", address: "app", port: undefined, username: "", password: "", keyFilename: undefined, rsaKey: undefined,
    rsaKeyPassword: undefined, configFilename: configFile, knownHostsFilename: undefined, acceptNewHostKeys: false,
    timeout: undefined, keepaliveInterval: undefined, lookForKeys: false, ...overrides,
  };
}

describe("planConnection", () => {
  test("the config fills in everything the host class leaves unset", () => {
    const { target, hops } = planConnection(fields({}));
    expect(target).toMatchObject({
      host: "10.1.2.3", port: 2200, username: "deploy", timeout: 4, keepaliveInterval: 15, keepaliveCountMax: 5,
      knownHostsFile: join(homedir(), ".ssh", "app_known_hosts"), acceptNewHostKeys: true, askAboutNewHostKeys: true,
    });
    expect(target.credentials).toEqual([{ type: "publickey", key: Buffer.from("not really a key"), source: keyFile }]);
    expect(hops.map((h) => [h.label, h.host, h.port, h.username])).toEqual([["jump host bastion", "bastion", 2022, "jump"]]);
  });

  test("fields set on the host class win over the config", () => {
    const { target } = planConnection(fields({ port: 22, username: "root", timeout: 30, keepaliveInterval: 0, knownHostsFilename: "/kh", password: "pw" }));
    expect(target).toMatchObject({ port: 22, username: "root", timeout: 30, keepaliveInterval: 0, knownHostsFile: "/kh" });
    expect(target.credentials.map((c) => c.type)).toEqual(["publickey", "password"]);
  });

  test("an agent comes first, then keys, then the password", () => {
    const { target } = planConnection(fields({ password: "pw" }), { agentSocket: "/tmp/agent.sock" });
    expect(target.credentials.map((c) => c.type)).toEqual(["agent", "publickey", "password"]);
  });

  test("StrictHostKeyChecking yes never asks; PasswordAuthentication no never offers the password", () => {
    const { target } = planConnection(fields({ address: "strict", password: "pw" }));
    expect(target).toMatchObject({ acceptNewHostKeys: false, askAboutNewHostKeys: false });
    expect(target.credentials).toEqual([]);
  });

  test("without a config everything has OpenSSH's defaults", () => {
    const { target, hops } = planConnection(fields({ configFilename: undefined, address: "10.9.9.9", username: "u" }));
    expect(target).toMatchObject({ host: "10.9.9.9", port: 22, username: "u", timeout: 10, keepaliveInterval: 30, knownHostsFile: "~/.ssh/known_hosts" });
    expect(hops).toEqual([]);
  });

  test("a missing key file named by the host class is an error naming it", () => {
    expect(() => planConnection(fields({ keyFilename: join(dir, "nope") }))).toThrow(`cannot read key file ${join(dir, "nope")}: no such file`);
  });
});
