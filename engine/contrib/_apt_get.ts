// AptGet: Debian/Ubuntu packages on every host, with extra repositories and their signing keys.
import { DeployerException, ExecCommandFailed } from "../exceptions.ts";
import { ParallelNode } from "../node/_node.ts";
import { shellQuote } from "../utils.ts";
import { commands } from "./_commands.ts";
import { print } from "./_config.ts";

/** Where `extraKeyrings` go, to be named by `signed-by=` in a source line. */
const KEYRINGS_DIRECTORY = "/etc/apt/keyrings";
/** Where keys trusted for every source go (what `apt-key add` did). */
const TRUSTED_KEYS_DIRECTORY = "/etc/apt/trusted.gpg.d";
/** Where `addSources` writes its lists. */
const SOURCES_DIRECTORY = "/etc/apt/sources.list.d";
const DEFAULT_KEYSERVER = "hkp://keyserver.ubuntu.com:80";

/** The placeholders a source line may hold for the distribution's codename (e.g. bookworm). */
const CODENAME = /%\(distro_codename\)s|\$\{codename\}/g;
/** A file name under /etc/apt: no slashes, no leading dot. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/**
 * Packages installed with apt-get on every host of the node (through sudo, with
 * `DEBIAN_FRONTEND=noninteractive`), after the extra keys and sources they need.
 */
export class AptGet extends ParallelNode {
  /** Installed together; one that cannot be installed fails `install`. */
  packages: readonly string[] = [];
  /** Installed one by one; one that cannot be installed is reported and skipped. */
  packagesIfAvailable: readonly string[] = [];
  /** URLs of .deb files, downloaded with wget and installed with `dpkg -i`. */
  dpkgPackages: readonly string[] = [];
  /** Fingerprints of keys to fetch from the key server, trusted for every source. */
  extraKeys: readonly string[] = [];
  /** URLs of keys to trust for every source. */
  extraKeyUrls: readonly string[] = [];
  /**
   * Keyring file name → URL of the key, saved as /etc/apt/keyrings/<name> for a source line to name
   * with `[signed-by=/etc/apt/keyrings/<name>]` (trusted for that source only: the safer choice).
   */
  extraKeyrings: Readonly<Record<string, string>> = {};
  /**
   * Slug → source lines, written to /etc/apt/sources.list.d/<slug>.list. `${codename}` (or the
   * original's `%(distro_codename)s`) becomes the host's codename.
   */
  extraSources: Readonly<Record<string, readonly string[]>> = {};

  /** `setupExtra`, then `install`. */
  async setup(): Promise<void> {
    await this.setupExtra();
    await this.install();
  }

  /**
   * Install `packages`, then each of `packagesIfAvailable`, then the `dpkgPackages`. Runs
   * `update` first unless `skipUpdate` (default true; from the shell "no", "false", "n", "0" and
   * "off" mean false).
   */
  async install(skipUpdate: boolean | string = true): Promise<void> {
    if (!parseBoolean(skipUpdate, "skipUpdate")) await this.update();
    const apt = aptHost(this);
    if (this.packages.length > 0) await apt.sudo(`apt-get install -yq -- ${this.packages.map(shellQuote).join(" ")}`);
    for (const name of this.packagesIfAvailable) {
      try {
        await apt.sudo(`apt-get install -yq -- ${shellQuote(name)}`);
      } catch (error) {
        if (!(error instanceof ExecCommandFailed)) throw error;
        print(this, `Failed to install ${name} on ${this.host.slug}, ignoring...\n`);
      }
    }
    if (this.dpkgPackages.length === 0) return;
    const dir = (await this.host.run("mktemp -d", { interactive: false })).trim();
    try {
      await this.host.cd(dir, async () => {
        for (const url of this.dpkgPackages) {
          const file = debFileName(url);
          await this.host.run(commands.wget(url, file));
          await aptHost(this).sudo(`dpkg -i -- ${shellQuote(file)}`);
        }
      });
    } finally {
      await this.host.run(`rm -rf -- ${shellQuote(dir)}`, { interactive: false });
    }
  }

  /** `apt-get update` */
  async update(): Promise<void> {
    await aptHost(this).sudo("apt-get update");
  }

  /**
   * Trust the key at `url`: for every source (in /etc/apt/trusted.gpg.d, as `apt-key add` did),
   * or, given a `keyring` file name, only for sources naming /etc/apt/keyrings/<keyring> in
   * `signed-by=`. Resolves to the key file's path.
   */
  async addKeyUrl(url: string, keyring?: string): Promise<string> {
    if (keyring !== undefined) checkFileName(keyring, "keyring");
    const script = [
      "set -e",
      `tmp=$(mktemp)`,
      `target=`,
      `trap 'rm -f -- "$tmp"; if [ -n "$target" ]; then rm -f -- "$target.tmp"; fi' EXIT`,
      `wget -q --output-document="$tmp" -- ${shellQuote(url)}`,
      keyring !== undefined
        ? `target=${shellQuote(`${KEYRINGS_DIRECTORY}/${keyring}`)}`
        : `if grep -q -e '-----BEGIN PGP PUBLIC KEY BLOCK-----' "$tmp"; then ext=asc; else ext=gpg; fi; target=${shellQuote(`${TRUSTED_KEYS_DIRECTORY}/${keyFileName(url)}`)}.$ext`,
      `mkdir -p -- "$(dirname -- "$target")"`,
      `cp -- "$tmp" "$target.tmp"`,
      `chmod 0644 -- "$target.tmp"`,
      `mv -f -- "$target.tmp" "$target"`,
      `echo "$target"`,
    ].join("\n");
    return (await aptHost(this).sudo(script, { interactive: false })).trim();
  }

  /**
   * Fetch the key `fingerprint` from `keyserver` with gpg (which checks the fingerprint) and trust it
   * for every source, in /etc/apt/trusted.gpg.d/deployer-<fingerprint>.gpg. Needs gpg on the host.
   */
  async addKey(fingerprint: string, keyserver: string = DEFAULT_KEYSERVER): Promise<string> {
    const id = fingerprint.replace(/\s+/g, "").replace(/^0x/i, "").toUpperCase();
    if (!/^[0-9A-F]{8,40}$/.test(id)) throw new DeployerException(`AptGet.addKey: "${fingerprint}" is not a key fingerprint`);
    const target = `${TRUSTED_KEYS_DIRECTORY}/deployer-${id}.gpg`;
    const script = [
      "set -e",
      `export GNUPGHOME=$(mktemp -d)`,
      `target=${shellQuote(target)}`,
      `trap 'rm -rf -- "$GNUPGHOME" "$target.tmp"' EXIT`,
      `gpg --batch --quiet --keyserver ${shellQuote(keyserver)} --recv-keys ${id}`,
      `gpg --batch --export ${id} > "$target.tmp"`,
      `chmod 0644 -- "$target.tmp"`,
      `mv -f -- "$target.tmp" "$target"`,
    ].join("\n");
    await aptHost(this).sudo(script);
    return target;
  }

  /**
   * Write `sources` (lines; from the shell, one string with a line per `\n`) to
   * /etc/apt/sources.list.d/<slug>.list with the codename filled in, unless the file exists and
   * `overwrite` is not set. Resolves to whether it was written.
   */
  async addSources(slug: string, sources: readonly string[] | string, overwrite: boolean | string = false): Promise<boolean> {
    checkFileName(slug, "source slug");
    const path = `${SOURCES_DIRECTORY}/${slug}.list`;
    if (!parseBoolean(overwrite, "overwrite") && await this.host.exists(path)) return false;
    const lines = typeof sources === "string" ? sources.split("\n") : sources;
    const codename = (await this.host.run("lsb_release -cs 2>/dev/null || (. /etc/os-release && echo \"$VERSION_CODENAME\")", { interactive: false })).trim();
    if (codename === "" && lines.some((line) => line.replace(CODENAME, "") !== line)) {
      throw new DeployerException(`AptGet.addSources: cannot tell the distribution's codename on ${this.host.slug}`);
    }
    const file = await this.host.open(path, "w", { useSudo: true });
    await file.write(lines.map((line) => `${line.replace(CODENAME, codename)}\n`).join(""));
    await file.close();
    return true;
  }

  /** Add `extraKeys`, `extraKeyUrls`, `extraKeyrings` and `extraSources`, then `update`. */
  async setupExtra(): Promise<void> {
    for (const fingerprint of this.extraKeys) await this.addKey(fingerprint);
    for (const url of this.extraKeyUrls) await this.addKeyUrl(url);
    for (const [keyring, url] of Object.entries(this.extraKeyrings)) await this.addKeyUrl(url, keyring);
    for (const [slug, lines] of Object.entries(this.extraSources)) await this.addSources(slug, lines);
    await this.update();
  }

  /** Whether apt knows a version of `name` (`apt-cache madison` prints something). */
  async isPackageAvailable(name: string): Promise<boolean> {
    const output = await this.host.run(`apt-cache madison -- ${shellQuote(name)}`, { interactive: false });
    return output.trim() !== "";
  }
}

/** The host, with apt never asking questions. */
function aptHost(node: AptGet) {
  return node.host.env("DEBIAN_FRONTEND", "noninteractive");
}

/**
 * A flag given in code (a boolean) or typed in the shell (a string): "true", "yes", "y", "1", "on"
 * and "false", "no", "n", "0", "off", in any case. Anything else is an error, not a guess.
 */
function parseBoolean(value: boolean | string, name: string): boolean {
  if (typeof value === "boolean") return value;
  const word = value.trim().toLowerCase();
  if (["true", "yes", "y", "1", "on"].includes(word)) return true;
  if (["false", "no", "n", "0", "off"].includes(word)) return false;
  throw new DeployerException(`${name}: expected yes or no (true/false), not ${JSON.stringify(value)}`);
}

function checkFileName(name: string, what: string): void {
  if (!FILE_NAME.test(name)) throw new DeployerException(`AptGet: ${JSON.stringify(name)} cannot be a ${what} (letters, digits, ".", "_" and "-" only)`);
}

/** The .deb's file name: the last part of the URL's path. */
function debFileName(url: string): string {
  const path = (() => {
    try {
      return new URL(url).pathname;
    } catch {
      return url.split(/[?#]/)[0]!;
    }
  })();
  const name = decodeURIComponent(path.split("/").filter(Boolean).at(-1) ?? "");
  return FILE_NAME.test(name) ? name : "package.deb";
}

/** A file name for a key from `url`: `deployer-` and the URL's host and path as letters, digits and dashes. */
function keyFileName(url: string): string {
  const slug = url.replace(/^[a-z]+:\/\//i, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 80);
  return `deployer-${slug || "key"}`;
}
