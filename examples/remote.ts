// Deploying a small static site to SSH hosts: contexts, sudo, files, and one action per host in
// parallel. The hosts come from the environment, so the same file runs against any machines:
//
//   REMOTE_HOSTS="10.0.0.11:22,10.0.0.12:22" REMOTE_USER=deploy REMOTE_KEY=~/.ssh/id_ed25519 \
//   REMOTE_PASSWORD=…  # for sudo; omit it to be asked once per host
//   deployer run examples/remote.ts -- site deploy v1
//
// REMOTE_KNOWN_HOSTS names another known_hosts file. SITE_ROOT (default ~/site) is where releases
// go; `%h` in it becomes the host's slug, for hosts that share a home directory (NFS, or the
// tests' local sshd's).
import { Node, ParallelNode, SSHHost, arrayOf, child, esc1 } from "deployer";

const addresses = (process.env.REMOTE_HOSTS ?? "").split(",").filter(Boolean);

/** One SSHHost class per address in REMOTE_HOSTS, named web1, web2, … */
const hosts = addresses.map((spec, i) => {
  const [address, port] = spec.split(":");
  return class extends SSHHost {
    slug = `web${i + 1}`;
    address = address!;
    port = Number(port ?? 22);
    username = process.env.REMOTE_USER ?? "";
    keyFilename = process.env.REMOTE_KEY;
    password = process.env.REMOTE_PASSWORD ?? "";
    knownHostsFilename = process.env.REMOTE_KNOWN_HOSTS;
  };
});

class Site extends ParallelNode {
  /** Where releases go, below the login user's home. */
  get root() {
    return (process.env.SITE_ROOT ?? "~/site").replaceAll("%h", this.host.slug);
  }

  /** Upload a release, point `current` at it, and check it is served from there. */
  async deploy(version: string) {
    const release = `${this.root}/releases/${version}`;
    await this.host.run(`mkdir -p ${release}`);
    await this.host.cd(release, { expand: true }, async () => {
      const page = await this.host.open("index.html", "w");
      await page.write(`<h1>${version} on ${this.host.slug}</h1>\n`);
      await page.close();
      await this.host.run(`ln -sfn "$PWD" ../../current`);
    });
    return (await this.host.cd(`${this.root}/current`, { expand: true }).run("cat index.html", { interactive: false })).trim();
  }

  /** What is live, per host. */
  async current() {
    return (await this.host.run(`readlink ${this.root}/current | xargs basename`, { interactive: false })).trim();
  }

  /** Something only root may do: here, read the shadow entry of the login user (proves sudo works). */
  async checkSudo() {
    const line = await this.host.sudo(`grep -c '^${esc1(process.env.REMOTE_USER ?? "")}:' /etc/shadow`, { interactive: false });
    return line.trim() === "1" ? "sudo ok" : "sudo: user not found";
  }
}

export default class Root extends Node {
  Hosts = { host: hosts };
  site = child(arrayOf(Site));
}
