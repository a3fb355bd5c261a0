// The seed's "Architecture of roles and nodes" chapter in TypeScript: one WebSystem definition,
// instantiated twice (staging on one host, production on many), with mapRoles routing each
// component to the hosts of its role, and a ParallelNode array checking every web host at once.
// Every host here is this machine under another name, so it runs anywhere:
//
//   deployer run examples/roles.ts --non-interactive -- production_system database info
//   deployer run examples/roles.ts --non-interactive -- production_system health check
//
// With ROLES_SSH_HOSTS="addr:port,addr:port,…" (and ROLES_SSH_USER, ROLES_SSH_KEY,
// ROLES_SSH_KNOWN_HOSTS) the hosts are SSH hosts instead, spread over those machines in turn.
// (start/stop/status would run `sudo service … ` on real servers.)
import { LocalHost, Node, ParallelNode, SSHHost, child, esc1, mapRoles, requiredProperty, type HostClass } from "deployer";

const machines = (process.env.ROLES_SSH_HOSTS ?? "").split(",").filter(Boolean);
let nextMachine = 0;

/** A host called `name`: this machine, or the next of ROLES_SSH_HOSTS over SSH. */
function host(name: string): HostClass {
  if (!machines.length) return class extends LocalHost { slug = name; };
  const [address, port] = machines[nextMachine++ % machines.length]!.split(":");
  return class extends SSHHost {
    slug = name;
    address = address!;
    port = Number(port ?? 22);
    username = process.env.ROLES_SSH_USER ?? "";
    keyFilename = process.env.ROLES_SSH_KEY;
    knownHostsFilename = process.env.ROLES_SSH_KNOWN_HOSTS;
  };
}

// The hosts. On real machines these would be SSHHost subclasses with an address.
const StagingHost0 = host("staging_host0");
const LB0 = host("lb0");
const LB1 = host("lb1");
const WebServer1 = host("web_server1");
const WebServer2 = host("web_server2");
const WebServer3 = host("web_server3");
const MasterDB = host("master_db");
const SlaveDB = host("slave_db");
const QueueHost = host("queue_host");
const CacheHost = host("cache_host");

/** Shows which hosts a component landed on, per role: one line per host. */
class Component extends Node {
  async info() {
    const name = this.constructor.name;
    for (const role of this.hosts.roles) {
      await this.hosts.filter(role).run(`echo '${esc1(name)}: role ${esc1(role)}'`);
    }
  }
}

/** Abstraction for any upstart service with start/stop/status methods. */
class UpstartService extends Component {
  name = requiredProperty<string>("the service name, e.g. redis");
  async start() { await this.hosts.sudo(`service '${esc1(this.name)}' start`); }
  async stop() { await this.hosts.sudo(`service '${esc1(this.name)}' stop`); }
  async status() { await this.hosts.sudo(`service '${esc1(this.name)}' status`); }
}

@mapRoles({ host: "cache" })
class Cache extends UpstartService { name = "redis"; }

@mapRoles({ host: "queue" })
class Queue extends UpstartService { name = "rabbitmq"; }

// The seed maps this to "queue": a slip, the load balancer runs on the load_balancer hosts.
@mapRoles({ host: "load_balancer" })
class LoadBalancer extends Component {}

@mapRoles({ master: "master_db", slave: "slave_db" })
class Database extends UpstartService { name = "postgresql"; }

// The seed writes "www" here, but the role is called "web".
@mapRoles({ host: ["web", "load_balancer", "queue"] })
class Git extends Component {
  async checkout(commit: string) {
    await this.hosts.run(`git checkout '${esc1(commit)}'`);
  }
  async show() {
    await this.hosts.run("git show");
  }
}

/** A health check run on each web and load balancer host at once: one isolated cell per host. */
class Health extends ParallelNode {
  /** "ok on" the address the host was reached at (over SSH), or "ok on this machine". */
  async check() {
    const via = await this.host.run("echo ${SSH_CONNECTION:-x x this machine} | cut -d' ' -f3-", { interactive: false });
    return `ok on ${via.trim()}`;
  }
}

/** The base definition of our web system. Roles: load_balancer, web, master_db, slave_db, queue, cache. */
class WebSystem extends Node {
  cache = child(Cache);
  queue = child(Queue);
  load_balancer = child(LoadBalancer);
  database = child(Database);
  git = child(Git);
  health = child(mapRoles({ host: ["web", "load_balancer"] })(Health.Array));
}

/** The root of our configuration, containing two instances of WebSystem. */
export default class RootNode extends Node {
  staging_system = child(class StagingSystem extends WebSystem {
    Hosts = {
      load_balancer: StagingHost0,
      web: StagingHost0,
      master_db: StagingHost0,
      slave_db: [], // if empty, this line can be left out
      queue: StagingHost0,
      cache: StagingHost0,
    };
  });

  production_system = child(class ProductionSystem extends WebSystem {
    Hosts = {
      load_balancer: [LB0, LB1],
      web: [WebServer1, WebServer2, WebServer3],
      master_db: MasterDB,
      slave_db: SlaveDB,
      queue: QueueHost,
      cache: CacheHost,
    };
  });
}
