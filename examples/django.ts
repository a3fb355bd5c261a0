// The seed's "Deploying a (Django) application" tutorial in TypeScript, adapted so that it needs
// nothing from outside: the application (examples/app) is a small Python web app served by a
// supervisor-style script instead of gunicorn and supervisord, its virtualenv is made with the
// system python3, and its settings file is written by the contrib Config node.
//
//   APP_REPOSITORY=git://git.example.com/app.git  # anything `git clone` takes (see examples/app/README.md)
//   APP_HOSTS="10.0.0.11:22" APP_USER=deploy APP_KEY=~/.ssh/id_ed25519 \
//   deployer run examples/django.ts -- main deploy
//
// Without APP_HOSTS the app is deployed on this machine. APP_ROOT (default ~) is where the
// checkouts and virtualenvs go; APP_BIND (default 127.0.0.1) and APP_PORT (default 8000) are where
// the first instance answers (the second one uses the next port).
import { Config, Git, LocalHost, Node, SSHHost, arrayOf, child, shellQuote, type HostClass } from "deployer";

const ROOT = process.env.APP_ROOT ?? "~";

/** A reusable virtualenv: created with python3, then its packages and requirements installed. */
export class VirtualEnv extends Node {
  /** Where the virtualenv lives (`~` is the login user's home). */
  location = "";
  packages: string[] = [];

  /** Requirements files to install (none by default). */
  get requirementsFiles(): string[] {
    return [];
  }

  /** The command that activates it, for `prefix`. */
  get activateCmd(): string {
    return `. ${this.location}/bin/activate`;
  }

  /** Install everything inside the virtualenv, creating it first. */
  async setupEnv() {
    await this.hosts.run(`test -x ${this.location}/bin/python || python3 -m venv ${this.location}`);
    for (const name of this.packages) await this.installPackage(name);
    await this.installRequirements();
  }

  /** pip install -r, for each requirements file (nothing is downloaded: --no-index). */
  async installRequirements() {
    await this.hosts.prefix(this.activateCmd, async () => {
      for (const file of this.requirementsFiles) await this.hosts.run(`pip install --no-index -r ${file}`);
    });
  }

  /** pip install one package inside the env. */
  async installPackage(name: string) {
    await this.hosts.prefix(this.activateCmd).run(`pip install --no-index ${shellQuote(name)}`);
  }
}

/** The deployment of one instance of the application; the hosts come from a subclass. */
export class DjangoDeployment extends Node {
  /** Served at BIND:PORT, greeting with GREETING (these go into local_settings.py). */
  instance = "main";
  bind = process.env.APP_BIND ?? "127.0.0.1";
  port = Number(process.env.APP_PORT ?? 8000);
  greeting = "Hello from the tutorial";

  virtual_env = child(class extends VirtualEnv {
    location = `${ROOT}/.virtualenvs/project-env`;
    get requirementsFiles(): string[] {
      return [`${this.parent.projectDirectory}/requirements.txt`];
    }
  });

  /** Where the project is checked out on each host. */
  projectDirectory = `${ROOT}/git/django-project`;

  // Git and Config are ParallelNodes: one cell per host, nested with arrayOf.
  git = child(arrayOf(class extends Git {
    repository = process.env.APP_REPOSITORY ?? "";
    // A remote branch: a local "main" would stay where the first checkout left it.
    defaultRevision = "origin/main";
    get repositoryLocation(): string {
      return this.parent.projectDirectory;
    }
  }));

  /** The app's settings, generated: `settings diff` shows what `settings setup` would change. */
  settings = child(arrayOf(class extends Config {
    useSudo = false;
    get remotePath(): string {
      return `${this.parent.projectDirectory}/local_settings.py`;
    }
    get content(): string {
      const app = this.parent as DjangoDeployment;
      return [
        `# Written by examples/django.ts; changes here are overwritten on deploy.`,
        `INSTANCE = ${JSON.stringify(app.instance)}`,
        `GREETING = ${JSON.stringify(app.greeting)}`,
        `BIND = ${JSON.stringify(app.bind)}`,
        `PORT = ${app.port}`,
        ``,
      ].join("\n");
    }
  }));

  /** Check out `commit`, install, write the settings, check them and (re)start the app. */
  async deploy(commit?: string) {
    await this.git.checkout(commit);
    await this.virtual_env.setupEnv();
    await this.settings.setup();
    await this.runManagementCommand("check");
    await this.restart();
  }

  /** Run `python app.py COMMAND` in the virtualenv, in the project (like manage.py). */
  async runManagementCommand(command: string) {
    await this.hosts.prefix(this.virtual_env.activateCmd).cd(this.projectDirectory, { expand: true })
      .run(`python app.py ${shellQuote(command)}`);
  }

  async start() { await this.supervise("start"); }
  async stop() { await this.supervise("stop"); }
  async restart() { await this.supervise("restart"); }
  async status() { await this.supervise("status"); }

  private async supervise(what: string) {
    await this.hosts.run(`${this.projectDirectory}/supervise.sh ${what} ${this.virtual_env.location}`);
  }
}

/** The hosts: APP_HOSTS over SSH, or this machine. */
const hosts: HostClass[] = (process.env.APP_HOSTS ?? "").split(",").filter(Boolean).map((spec, i) => {
  const [address, port] = spec.split(":");
  return class extends SSHHost {
    slug = `app${i + 1}`;
    address = address!;
    port = Number(port ?? 22);
    username = process.env.APP_USER ?? "";
    keyFilename = process.env.APP_KEY;
    knownHostsFilename = process.env.APP_KNOWN_HOSTS;
  };
});

class DjangoDeploymentOnHost extends DjangoDeployment {
  Hosts = { host: hosts.length ? hosts : [LocalHost] };
}

/** A second instance beside the first: double-underscore names override members of nested nodes. */
class SecondInstance extends DjangoDeploymentOnHost {
  instance = "second";
  port = Number(process.env.APP_PORT ?? 8000) + 1;
  projectDirectory = `${ROOT}/git/django-project-2`;
  virtual_env__location = `${ROOT}/.virtualenvs/project-env-2`;
}

export default class Root extends Node {
  main = child(DjangoDeploymentOnHost);
  second = child(SecondInstance);
}
