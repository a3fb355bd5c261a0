import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "../fixture/sshd.ts";
import { onScreen } from "../helpers/screen.ts";
import { until } from "../helpers/wait.ts";

const fixture = loadFixture();
const h = fixture.hosts[0]!;
const home = spawnSync("bash", ["-c", `getent passwd ${fixture.username} | cut -d: -f6`], { encoding: "utf8" }).stdout.trim();
const remoteRoot = join(home, `scp-e2e-${process.pid}`);

// A remote tree owned by the test user (the fixture's hosts are this machine).
mkdirSync(join(remoteRoot, "etc", "nginx", "sites"), { recursive: true });
writeFileSync(join(remoteRoot, "etc", "nginx", "nginx.conf"), "worker_processes old;\n");
writeFileSync(join(remoteRoot, "notes.txt"), "line one\nline two\n");
spawnSync("chown", ["-R", `${fixture.username}:`, remoteRoot]);
afterAll(() => rmSync(remoteRoot, { recursive: true, force: true }));

function project(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "deployer-scp-"));
  writeFileSync(join(dir, "deploy.ts"), [
    `import { Node, SSHHost } from "deployer";`,
    `class Web extends SSHHost {`,
    `  slug = "${h.slug}"; address = "${h.address}"; port = ${h.port}; username = "${fixture.username}";`,
    `  keyFilename = "${fixture.clientKey}"; knownHostsFilename = "${fixture.knownHosts}";`,
    `}`,
    `export default class Root extends Node { Hosts = { host: Web }; }`,
  ].join("\n"));
  mkdirSync(join(dir, "work", "tree", "sub"), { recursive: true });
  writeFileSync(join(dir, "work", "a.conf"), "a\n");
  writeFileSync(join(dir, "work", "b.conf"), "b\n");
  writeFileSync(join(dir, "work", "tree", "sub", "deep.txt"), "deep\n");
  return { dir, env: { XDG_STATE_HOME: join(dir, "state") } };
}

const promptRe = (local: string, remote: string) => `local:${local} ~ ${h.slug}:${remote} > `;

async function scp(p = project()) {
  const s = await onScreen(["scp", "deploy.ts"], { cwd: p.dir, env: p.env, cols: 160 });
  await s.waitFor(`${h.slug}:~ > `);
  return { s, p };
}

describe("the SCP shell", () => {
  test("cd takes paths of several components, .., and ~; completion works at any depth", async () => {
    const { s, p } = await scp();
    const name = remoteRoot.split("/").pop()!;
    s.type(`cd ${name}/et\t`);
    await s.waitForLast(`cd ${name}/etc/`);
    s.type("ng\t");
    await s.waitForLast(`cd ${name}/etc/nginx/`);
    s.type("\r");
    await s.waitForLast(promptRe(p.dir, `~/${name}/etc/nginx`));
    s.type("cd ../..\rpwd\r");
    await s.waitFor(new RegExp(`^${remoteRoot}$`, "m"));
    s.type("cd nowhere\r");
    await s.waitFor(`error: no such directory on ${h.slug}: ${remoteRoot}/nowhere`);
    s.type("cd ~\r");
    await s.waitForLast(promptRe(p.dir, "~"));
    s.type("\x04");
    expect((await s.exited).exitCode).toBe(0);
  }, 30_000);

  test("ls colours nothing without colour, view pages a file, stat describes it", async () => {
    const { s } = await scp();
    const name = remoteRoot.split("/").pop()!;
    s.type(`cd ${name}\rls\r`);
    await s.waitFor(/etc\/\s+notes\.txt/);
    s.type("view notes.txt\r");
    await s.waitFor("line one\nline two");
    s.type("stat notes.txt\r");
    await s.waitFor(/type: {2}file\n {2}size: {2}18 bytes/);
    s.type("\x04");
    await s.exited;
  }, 30_000);

  test("put and get copy files, globs and directories, and never overwrite without asking", async () => {
    const { s, p } = await scp();
    const name = remoteRoot.split("/").pop()!;
    s.type(`cd ${name}\rlcd work\r`);
    await s.waitForLast(promptRe(join(p.dir, "work"), `~/${name}`));
    s.type("put *.conf\r");
    await s.waitFor(`Uploading ${join(p.dir, "work", "b.conf")} to ${h.slug}:${remoteRoot}/b.conf`);
    await s.waitForLast(/ > $/);
    expect(readFileSync(join(remoteRoot, "a.conf"), "utf8")).toBe("a\n");
    s.type("put tree\r");
    await s.waitFor("is a directory (use -r to copy it with everything in it)");
    s.type("put -r tree\r");
    await s.waitFor(`to ${h.slug}:${remoteRoot}/tree/sub/deep.txt`);
    await s.waitForLast(/ > $/);
    expect(readFileSync(join(remoteRoot, "tree", "sub", "deep.txt"), "utf8")).toBe("deep\n");
    // The same upload again asks first; "n" keeps the remote file.
    writeFileSync(join(p.dir, "work", "a.conf"), "changed\n");
    s.type("put a.conf\r");
    await s.waitFor("exists on sshd0. Overwrite it?");
    s.type("n\r");
    await s.waitFor(`Skipped ${remoteRoot}/a.conf`);
    expect(readFileSync(join(remoteRoot, "a.conf"), "utf8")).toBe("a\n");
    s.type("put -f a.conf\r");
    await s.waitForLast(/ > $/);
    await until(() => readFileSync(join(remoteRoot, "a.conf"), "utf8") === "changed\n");
    s.type("get notes.txt copied.txt\r");
    await s.waitForLast(/ > $/);
    await until(() => existsSync(join(p.dir, "work", "copied.txt")));
    expect(readFileSync(join(p.dir, "work", "copied.txt"), "utf8")).toBe("line one\nline two\n");
    s.type("get missing.txt\r");
    await s.waitFor(`error: no such file on ${h.slug}: ${remoteRoot}/missing.txt`);
    s.type("\x04");
    await s.exited;
  }, 30_000);

  test("edit opens the file in $EDITOR on the host", async () => {
    const p = project();
    const s = await onScreen(["scp", "deploy.ts"], { cwd: p.dir, env: { ...p.env, EDITOR: "sed -i s/old/new/" }, cols: 160 });
    await s.waitFor(`${h.slug}:~ > `);
    const name = remoteRoot.split("/").pop()!;
    s.type(`edit ${name}/etc/nginx/nginx.conf\r`);
    await s.waitForLast(/ > $/);
    await until(() => readFileSync(join(remoteRoot, "etc", "nginx", "nginx.conf"), "utf8") === "worker_processes new;\n");
    s.type("\x04");
    await s.exited;
  }, 30_000);

  test("the local commands: lcd, lpwd, lls, lstat, lview", async () => {
    const { s, p } = await scp();
    s.type("lcd work\rlpwd\r");
    await s.waitFor(new RegExp(`^${join(p.dir, "work")}$`, "m"));
    s.type("lls\r");
    await s.waitFor(/a\.conf\s+b\.conf\s+tree\//);
    s.type("lstat a.conf\r");
    await s.waitFor(/type: {2}file\n {2}size: {2}2 bytes/);
    s.type("lview b.conf\r");
    await s.waitFor(/^b$/m);
    s.type("lstat nope\r");
    await s.waitFor(`error: no such file: ${join(p.dir, "work", "nope")}`);
    s.type("\x04");
    await s.exited;
  }, 30_000);

  test("put --sudo writes where only root may, keeping an existing file's owner and mode", async () => {
    const target = mkdtempSync(join(tmpdir(), "deployer-scp-root-"));
    writeFileSync(join(target, "app.conf"), "old\n", { mode: 0o640 });
    spawnSync("chown", ["1:1", join(target, "app.conf")]);
    const { s, p } = await scp();
    writeFileSync(join(p.dir, "app.conf"), "new\n");
    s.type(`put app.conf ${target}/\r`);
    await s.waitFor(/error: .*(permission denied|Permission denied)/);
    s.type(`put --sudo -f app.conf ${target}/\r`);
    await s.waitFor(`[sudo] password for ${fixture.username} on ${h.slug}`);
    s.type(`${fixture.password}\r`); // asked once: the host class sets no password
    await s.waitFor(`Uploading ${join(p.dir, "app.conf")} to ${h.slug}:${target}/app.conf`);
    await s.waitForLast(/ > $/);
    if (readFileSync(join(target, "app.conf"), "utf8") !== "new\n") throw new Error(s.lines().slice(-6).join("\n"));
    const stat = spawnSync("stat", ["-c", "%u:%g %a", join(target, "app.conf")], { encoding: "utf8" }).stdout.trim();
    expect(stat).toBe("1:1 640");
    expect(s.lines().join("\n")).not.toContain(fixture.password);
    s.type("\x04");
    await s.exited;
    rmSync(target, { recursive: true, force: true });
  }, 30_000);

  test("--scp in the main shell opens it on the node's host, and exit comes back", async () => {
    const p = project();
    const s = await onScreen(["run", "deploy.ts"], { cwd: p.dir, env: p.env, cols: 160 });
    await s.waitForLast("Root > ");
    s.type("--scp\r");
    await s.waitFor(`${h.slug}:~ > `);
    s.type("exit\r");
    await s.waitForLast("Root > ");
    s.type("\x04");
    expect((await s.exited).exitCode).toBe(0);
  }, 30_000);
});
