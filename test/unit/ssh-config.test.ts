import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  loadSshConfig, parseSshConfig, resolveSshConfig, type SshConfigSettings,
} from "../../engine/host/_ssh_config.ts";

const HOME = "/home/me";

function resolve(text: string, destination: string, options: { user?: string; port?: number } = {}): SshConfigSettings {
  return resolveSshConfig(parseSshConfig(text, "config"), destination, { homeDir: HOME, localUser: "me", ...options });
}

/** A fresh home directory holding `files` (paths relative to it). */
function home(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "deployer-sshcfg-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

interface Row { name: string; config: string; destination: string; options?: { user?: string; port?: number }; expected: Partial<SshConfigSettings> }

function table(rows: Row[]): void {
  for (const row of rows) {
    test(row.name, () => {
      expect(resolve(row.config, row.destination, row.options)).toMatchObject(row.expected);
    });
  }
}

table([
  {
    name: "a specific Host block listed before Host * wins for the keywords it sets",
    config: "Host web\n  User deploy\nHost *\n  User nobody\n  Port 2200\n",
    destination: "web",
    expected: { user: "deploy", port: 2200, warnings: [] },
  },
  {
    name: "a later Host block never overrides a value already obtained",
    config: "Host *\n  User first\nHost web\n  User second\n  Port 22\n",
    destination: "web",
    expected: { user: "first", port: 22 },
  },
  {
    name: "a Host block that does not match contributes nothing",
    config: "Host db\n  User dba\n",
    destination: "web",
    expected: { user: undefined, port: undefined, identityFiles: [] },
  },
  {
    name: "IdentityFile values accumulate in order across blocks and duplicates are dropped",
    config: "Host web\n  IdentityFile /k/web\nHost *\n  IdentityFile /k/all\n  IdentityFile /k/web\n",
    destination: "web",
    expected: { identityFiles: ["/k/web", "/k/all"] },
  },
  {
    name: "a negated pattern excludes the block even when another pattern matches",
    config: "Host *.example !bastion.example\n  ProxyJump bastion.example\n",
    destination: "bastion.example",
    expected: { proxyJump: undefined },
  },
  {
    name: "a negated pattern leaves other hosts matched by the block",
    config: "Host *.example !bastion.example\n  ProxyJump bastion.example\n",
    destination: "web.example",
    expected: { proxyJump: [{ host: "bastion.example" }] },
  },
  {
    name: "* matches any run of characters and ? exactly one",
    config: "Host web?\n  Port 2001\nHost db-*\n  Port 2002\n",
    destination: "web1",
    expected: { port: 2001 },
  },
  {
    name: "? does not match two characters",
    config: "Host web?\n  Port 2001\nHost *\n  Port 2999\n",
    destination: "web12",
    expected: { port: 2999 },
  },
  {
    name: "Host patterns compare case-sensitively, as OpenSSH does",
    config: "Host Web\n  Port 2001\n",
    destination: "web",
    expected: { port: undefined },
  },
  {
    name: "Match all applies to every destination",
    config: "Host other\n  Port 1\nMatch all\n  Port 2\n",
    destination: "web",
    expected: { port: 2 },
  },
  {
    name: "Match host tests the HostName obtained so far, case-insensitively",
    config: "Host web\n  HostName Web.Internal\nMatch host *.internal\n  User ops\n",
    destination: "web",
    expected: { hostName: "web.internal", user: "ops" },
  },
  {
    name: "Match host tests the destination when no HostName was obtained before it",
    config: "Match host web\n  User ops\nHost web\n  HostName web.internal\n",
    destination: "web",
    expected: { hostName: "web.internal", user: "ops" },
  },
  {
    name: "Match host expands %h in the HostName obtained so far",
    config: "Host *\n  HostName %h.corp\nMatch host web.corp\n  Port 2222\n",
    destination: "web",
    expected: { hostName: "web.corp", port: 2222 },
  },
  {
    name: "Match originalhost tests the destination even after HostName renamed it",
    config: "Host web\n  HostName 10.0.0.5\nMatch originalhost WEB\n  User ops\nMatch host web\n  Port 1\n",
    destination: "web",
    expected: { hostName: "10.0.0.5", user: "ops", port: undefined },
  },
  {
    name: "Match user tests the user given in options",
    config: "Match user alice\n  IdentityFile /k/alice\n",
    destination: "web",
    options: { user: "alice" },
    expected: { identityFiles: ["/k/alice"] },
  },
  {
    name: "Match user tests a User obtained earlier in the file",
    config: "Host web\n  User alice\nMatch user alice\n  Port 2200\n",
    destination: "web",
    expected: { port: 2200 },
  },
  {
    name: "Match user falls back to the local user",
    config: "Match user me\n  Port 2200\n",
    destination: "web",
    expected: { port: 2200 },
  },
  {
    name: "Match takes comma-separated pattern lists where a negated pattern wins",
    config: "Match host web*,!web3\n  Port 2200\n",
    destination: "web3",
    expected: { port: undefined },
  },
  {
    name: "Match criteria combine with AND and a ! before a criterion inverts it",
    config: "Match host web* !user root\n  Port 2200\n",
    destination: "web1",
    expected: { port: 2200 },
  },
  {
    name: "keywords and Match criteria are case-insensitive",
    config: "HOST web\n  hOsTnAmE web.internal\n  PORT 2200\n  identityfile /k/a\nMATCH HOST web.internal\n  USER ops\n",
    destination: "web",
    expected: { hostName: "web.internal", port: 2200, identityFiles: ["/k/a"], user: "ops" },
  },
  {
    name: "Keyword=value, Keyword = value and quoted values are all understood",
    config: "Host=web\n  Port=2200\n  User = \"ops team\"\n  IdentityFile '/k/my key'\n  HostName \"web\"\\\"s\n",
    destination: "web",
    expected: { port: 2200, user: "ops team", identityFiles: ["/k/my key"], hostName: "web\"s", warnings: [] },
  },
  {
    name: "comments on their own line and after a value are ignored",
    config: "# top\nHost web # the web box\n  # inside\n  Port 2200 # custom\n\n",
    destination: "web",
    expected: { port: 2200, warnings: [] },
  },
  {
    name: "keywords we do not resolve are parsed silently",
    config: "Host web\n  ForwardAgent yes\n  ControlMaster auto\n  Port 2200\n",
    destination: "web",
    expected: { port: 2200, warnings: [] },
  },
  {
    name: "all resolved keywords are read, with OpenSSH's spellings of booleans",
    config: [
      "Host web", "  IdentitiesOnly yes", "  PasswordAuthentication false", "  PubkeyAuthentication host-bound",
      "  StrictHostKeyChecking off", "  ServerAliveInterval 15", "  ServerAliveCountMax 4", "  ConnectTimeout 1m30s",
      "  PreferredAuthentications publickey,keyboard-interactive", "  UserKnownHostsFile ~/.ssh/kh /etc/kh",
    ].join("\n"),
    destination: "web",
    expected: {
      identitiesOnly: true, passwordAuthentication: false, pubkeyAuthentication: true, strictHostKeyChecking: "no",
      serverAliveInterval: 15, serverAliveCountMax: 4, connectTimeout: 90,
      preferredAuthentications: ["publickey", "keyboard-interactive"], userKnownHostsFiles: [`${HOME}/.ssh/kh`, "/etc/kh"],
      warnings: [],
    },
  },
  {
    name: "UserKnownHostsFile none means no user known_hosts file",
    config: "UserKnownHostsFile none\n",
    destination: "web",
    expected: { userKnownHostsFiles: [] },
  },
  {
    name: "ConnectTimeout none leaves the timeout open for a later value, as in OpenSSH",
    config: "Host web\n  ConnectTimeout none\nHost *\n  ConnectTimeout 5\n",
    destination: "web",
    expected: { connectTimeout: 5 },
  },
]);

test.each([
  ["user and port", "ProxyJump ops@bastion:2222", [{ host: "bastion", port: 2222, user: "ops" }]],
  ["several hops in order", "ProxyJump a,b@c,d:23", [{ host: "a" }, { host: "c", user: "b" }, { host: "d", port: 23 }]],
  ["an IPv6 address in brackets", "ProxyJump [::1]:2200", [{ host: "::1", port: 2200 }]],
  ["an ssh:// URI", "ProxyJump ssh://ops@bastion:2222", [{ host: "bastion", port: 2222, user: "ops" }]],
  ["none as an empty list", "ProxyJump none", []],
])("ProxyJump reads %s", (_, line, hops) => {
  expect(resolve(`Host web\n  ${line}\n`, "web").proxyJump).toEqual(hops);
});

test("ProxyJump and ProxyCommand compete: whichever comes first wins", () => {
  const jumpFirst = resolve("Host web\n  ProxyJump bastion\nHost *\n  ProxyCommand nc %h %p\n", "web");
  expect(jumpFirst.proxyJump).toEqual([{ host: "bastion" }]);
  expect(jumpFirst.warnings).toEqual([]);
  const commandFirst = resolve("Host web\n  ProxyCommand nc %h %p\nHost *\n  ProxyJump bastion\n", "web");
  expect(commandFirst.proxyJump).toBeUndefined();
  expect(commandFirst.warnings).toEqual(["config:2: ProxyCommand is not supported; connecting without it"]);
  expect(resolve("ProxyJump none\nProxyCommand nc %h %p\n", "web")).toMatchObject({ proxyJump: [], warnings: [] });
});

test.each([
  ["a port that is not a number", "Port ssh", "config:2: Port: bad port \"ssh\" (a number from 1 to 65535)"],
  ["port 0", "Port 0", "config:2: Port: bad port \"0\" (a number from 1 to 65535)"],
  ["a port above 65535", "Port 70000", "config:2: Port: bad port \"70000\" (a number from 1 to 65535)"],
  ["a malformed time", "ConnectTimeout 10x", "config:2: ConnectTimeout: bad time value \"10x\""],
  ["a negative count", "ServerAliveCountMax -1", "config:2: ServerAliveCountMax: bad number \"-1\""],
  ["a bad yes/no", "IdentitiesOnly maybe", "config:2: IdentitiesOnly: expected yes or no, got \"maybe\""],
  ["a bad StrictHostKeyChecking", "StrictHostKeyChecking sometimes", "config:2: StrictHostKeyChecking: expected yes, no, accept-new, ask or off, got \"sometimes\""],
  ["a bad ProxyJump", "ProxyJump ops@:22", "config:2: ProxyJump: bad ProxyJump \"ops@:22\" (expected [user@]host[:port],… or none)"],
  ["extra arguments", "User a b", "config:2: User: extra arguments at end of line"],
  ["a missing argument", "User", "config:2: no argument after keyword \"User\""],
  ["an unterminated quote", "User \"ops", "config:2: unterminated quote"],
  ["an unknown keyword", "Colour blue", "config:2: unknown keyword \"Colour\"; ignored"],
  ["a keyword named like an object property", "constructor x", "config:2: unknown keyword \"constructor\"; ignored"],
  ["a yes/no named like an object property", "IdentitiesOnly toString", "config:2: IdentitiesOnly: expected yes or no, got \"toString\""],
])("%s is a warning naming file and line, and the value is skipped", (_, line, warning) => {
  const settings = resolve(`Host web\n  ${line}\nHost *\n  Port 2200\n`, "web");
  expect(settings.warnings).toEqual([warning]);
  expect(settings.port).toBe(2200);
});

test("bad lines in blocks that do not apply are still reported", () => {
  expect(resolve("Host other\n  Port nope\n", "web").warnings).toEqual([
    "config:2: Port: bad port \"nope\" (a number from 1 to 65535)",
  ]);
});

test("IgnoreUnknown silences unknown keywords that match its patterns", () => {
  expect(resolve("IgnoreUnknown UseKeychain,Add*\nUseKeychain yes\nAddThing 1\nOther 2\n", "web").warnings).toEqual([
    "config:4: unknown keyword \"Other\"; ignored",
  ]);
});

test.each([
  ["exec", "Match exec \"test -f /tmp/x\"", "Match exec is not supported; the block never applies"],
  ["localuser", "Match localuser me", "Match localuser is not supported; the block never applies"],
  ["canonical", "Match canonical all", "Match canonical is not supported; the block never applies"],
  ["final", "Match final host web", "Match final is not supported; the block never applies"],
  ["a negated exec", "Match host web !exec false", "Match !exec is not supported; the block never applies"],
  ["an unknown criterion", "Match colour blue", "Match: unknown criterion \"colour\"; the block never applies"],
  ["a criterion without argument", "Match host", "Match: missing argument for \"host\""],
  ["all with other criteria", "Match all host web", "Match: \"all\" cannot be combined with other criteria"],
])("Match with %s never applies and says why", (_, line, warning) => {
  const settings = resolve(`${line}\n  Port 1\nHost *\n  Port 2\n`, "web");
  expect(settings.port).toBe(2);
  expect(settings.warnings).toEqual([`config:1: ${warning}`]);
});

test("tokens expand from the final values: %h %p %r %u %d %n %% and ~ in IdentityFile", () => {
  const config = [
    "Host web", "  HostName %h.Example.com", "  IdentityFile ~/.ssh/%r@%h:%p", "  IdentityFile %d/keys/%u-%n-100%%",
    "Host *", "  User deploy", "  Port 2200",
  ].join("\n");
  expect(resolve(config, "web")).toMatchObject({
    hostName: "web.example.com",
    identityFiles: [`${HOME}/.ssh/deploy@web.example.com:2200`, `${HOME}/keys/me-web-100%`],
    warnings: [],
  });
});

test("%p and %r fall back to port 22 and the local user", () => {
  expect(resolve("IdentityFile /k/%r-%p\n", "web").identityFiles).toEqual(["/k/me-22"]);
});

test("ProxyJump hops take %h %p %r %n", () => {
  const settings = resolve("Host web\n  HostName web.lan\n  ProxyJump %r@gw-%n:2200,%h-jump\n", "web", { user: "ops" });
  expect(settings.proxyJump).toEqual([{ host: "gw-web", port: 2200, user: "ops" }, { host: "web.lan-jump" }]);
});

test("UserKnownHostsFile takes tokens and ${ENV}", () => {
  const settings = resolve("UserKnownHostsFile ${HOME}/kh-%h ~/.ssh/kh-%p\n", "web", { port: 2200 });
  expect(settings.userKnownHostsFiles).toEqual([`${process.env.HOME}/kh-web`, `${HOME}/.ssh/kh-2200`]);
});

test("an unknown token is left as is with a warning; an unset ${ENV} drops the path", () => {
  const settings = resolve("IdentityFile /k/%Q\nIdentityFile ${DEPLOYER_SURELY_UNSET_VAR}/k\nIdentityFile /k/ok\n", "web");
  expect(settings.identityFiles).toEqual(["/k/%Q", "/k/ok"]);
  expect(settings.warnings).toEqual([
    "config:1: unknown token \"%Q\" in \"/k/%Q\"; left as is",
    "config:2: environment variable DEPLOYER_SURELY_UNSET_VAR is not set; \"${DEPLOYER_SURELY_UNSET_VAR}/k\" ignored",
  ]);
});

test("user and port passed in options win over the file, like ssh's command line", () => {
  const config = "Host web\n  User fromfile\n  Port 2200\n";
  expect(resolve(config, "web")).toMatchObject({ user: "fromfile", port: 2200 });
  expect(resolve(config, "web", { user: "cli", port: 2022 })).toMatchObject({ user: "cli", port: 2022 });
  expect(resolve(config, "alice@web")).toMatchObject({ user: "alice", port: 2200 });
  expect(resolve(config, "alice@web", { user: "cli" })).toMatchObject({ user: "cli" });
});

test("several files resolve in order: the first one's values win", () => {
  const user = parseSshConfig("Host web\n  User mine\n", "user-config");
  const system = parseSshConfig("Host *\n  User system\n  Port 2200\n", "system-config");
  expect(resolveSshConfig([user, system], "web", { homeDir: HOME })).toMatchObject({ user: "mine", port: 2200 });
});

test("Include reads globbed and relative paths from ~/.ssh, in lexical order", () => {
  const dir = home({
    ".ssh/config": "Include conf.d/*.conf ~/.ssh/extra\nHost *\n  Port 22\n",
    ".ssh/conf.d/20-b.conf": "Host web\n  User b\n  IdentityFile ~/.ssh/b\n",
    ".ssh/conf.d/10-a.conf": "Host web\n  IdentityFile ~/.ssh/a\n",
    ".ssh/conf.d/.hidden.conf": "Host web\n  User hidden\n",
    ".ssh/extra": "Host web\n  Port 2200\n",
  });
  expect(resolveSshConfig(join(dir, ".ssh/config"), "web", { homeDir: dir })).toMatchObject({
    user: "b", port: 2200, identityFiles: [join(dir, ".ssh/a"), join(dir, ".ssh/b")], warnings: [],
  });
});

test("Include inside a Host block applies only to that block, and Host lines in it end with the file", () => {
  const dir = home({
    ".ssh/config": "Host web\n  Include web.conf\n  IdentityFile /k/after\nHost *\n  Port 22\n",
    ".ssh/web.conf": "User included\nHost unrelated\n  Port 1\n",
  });
  const config = loadSshConfig(join(dir, ".ssh/config"), { homeDir: dir })!;
  expect(resolveSshConfig(config, "web", { homeDir: dir })).toMatchObject({ user: "included", port: 22, identityFiles: ["/k/after"] });
  expect(resolveSshConfig(config, "db", { homeDir: dir })).toMatchObject({ user: undefined, port: 22, identityFiles: [] });
});

test("an Include loop stops at OpenSSH's depth limit with a warning", () => {
  const dir = home({ ".ssh/config": "Include config\nUser me\n" });
  const settings = resolveSshConfig(join(dir, ".ssh/config"), "web", { homeDir: dir });
  expect(settings.user).toBe("me");
  expect(settings.warnings).toEqual([`${join(dir, ".ssh/config")}:1: Include nested more than 16 deep; ignored`]);
});

test("an Include that matches nothing is not an error", () => {
  const dir = home({ ".ssh/config": "Include nothing/* missing.conf\nUser me\n" });
  expect(resolveSshConfig(join(dir, ".ssh/config"), "web", { homeDir: dir })).toMatchObject({ user: "me", warnings: [] });
});

test("a missing config file loads as undefined and resolves to no settings", () => {
  const dir = home({});
  expect(loadSshConfig(join(dir, "nope"))).toBeUndefined();
  expect(resolveSshConfig(join(dir, "nope"), "web", { homeDir: dir })).toEqual({ identityFiles: [], warnings: [] });
});

test("loadSshConfig expands ~ in its own path", () => {
  const dir = home({ ".ssh/config": "User me\n" });
  expect(loadSshConfig("~/.ssh/config", { homeDir: dir })?.path).toBe(join(dir, ".ssh/config"));
});

test("Include in text parsed without loading is reported, not silently dropped", () => {
  expect(resolve("Include other.conf\n", "web").warnings).toEqual([
    "config:1: Include not loaded (text parsed without loadSshConfig)",
  ]);
});
