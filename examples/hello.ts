// The seed's "Hello world" tutorial in TypeScript: one action, run on this machine and on an SSH host.
//
//   deployer run examples/hello.ts --non-interactive -- local_hello hello
//
// The remote half reads its host from the environment:
//   HELLO_SSH_HOST (address), HELLO_SSH_PORT (default 22), HELLO_SSH_USER, and
//   HELLO_SSH_KEY (a private key file) or HELLO_SSH_PASSWORD; HELLO_SSH_KNOWN_HOSTS (default ~/.ssh/known_hosts).
import { Node, LocalHost, SSHHost } from "deployer";

class SayHello extends Node {
  async hello() {
    if (this.hosts.length === 0) {
      this.console.warning("remote_hello skipped: set HELLO_SSH_HOST (and HELLO_SSH_USER, HELLO_SSH_KEY or HELLO_SSH_PASSWORD) to say hello over SSH");
      return;
    }
    await this.hosts.run("echo hello world");
  }
}

class MyRemoteHost extends SSHHost {
  slug = "my-host";
  address = process.env.HELLO_SSH_HOST ?? "";
  port = Number(process.env.HELLO_SSH_PORT ?? 22);
  username = process.env.HELLO_SSH_USER ?? "";
  password = process.env.HELLO_SSH_PASSWORD ?? "";
  keyFilename = process.env.HELLO_SSH_KEY;
  knownHostsFilename = process.env.HELLO_SSH_KNOWN_HOSTS ?? "~/.ssh/known_hosts";
}

class LocalHello extends SayHello {
  Hosts = { host: LocalHost };
}

class RemoteHello extends SayHello {
  Hosts = { host: process.env.HELLO_SSH_HOST ? [MyRemoteHost] : [] };
}

export default class Root extends Node {
  local_hello = LocalHello;
  remote_hello = RemoteHello;
}
