// The seed's "Architecture of roles and nodes" chapter in TypeScript: one WebSystem definition,
// instantiated twice (staging on one host, production on many), with mapRoles routing each
// component to the hosts of its role. Every host here is this machine under another name, so it
// runs anywhere:
//
//   deployer run examples/roles.ts --non-interactive -- production_system database info
//   deployer run examples/roles.ts --non-interactive -- production_system git info
//
// (start/stop/status would run `sudo service … ` on real servers.)
import { LocalHost, Node, child, esc1, mapRoles, requiredProperty } from "deployer";

// The hosts. On real machines these would be SSHHost subclasses with an address.
class StagingHost0 extends LocalHost { slug = "staging_host0"; }
class LB0 extends LocalHost { slug = "lb0"; }
class LB1 extends LocalHost { slug = "lb1"; }
class WebServer1 extends LocalHost { slug = "web_server1"; }
class WebServer2 extends LocalHost { slug = "web_server2"; }
class WebServer3 extends LocalHost { slug = "web_server3"; }
class MasterDB extends LocalHost { slug = "master_db"; }
class SlaveDB extends LocalHost { slug = "slave_db"; }
class QueueHost extends LocalHost { slug = "queue_host"; }
class CacheHost extends LocalHost { slug = "cache_host"; }

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

/** The base definition of our web system. Roles: load_balancer, web, master_db, slave_db, queue, cache. */
class WebSystem extends Node {
  cache = child(Cache);
  queue = child(Queue);
  load_balancer = child(LoadBalancer);
  database = child(Database);
  git = child(Git);
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
