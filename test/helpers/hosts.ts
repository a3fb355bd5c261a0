// deploy.ts source for host classes that reach the test fixture's sshd hosts.
import type { Fixture, FixtureHost } from "../fixture/sshd.ts";

/** Fields of an SSHHost class, as TypeScript source; later fields win. */
export type HostFields = Record<string, string | number | boolean>;

/**
 * `class NAME extends SSHHost { … }` logging in to `host` as the fixture's test user with its key,
 * checking the fixture's known_hosts; `fields` add to or replace those (e.g. a password, a port).
 */
export function hostClass(name: string, fixture: Fixture, host: FixtureHost, fields: HostFields = {}): string {
  const all: HostFields = {
    slug: host.slug, address: host.address, port: host.port, username: fixture.username,
    keyFilename: fixture.clientKey, knownHostsFilename: fixture.knownHosts, ...fields,
  };
  const body = Object.entries(all).map(([key, value]) => `${key} = ${JSON.stringify(value)};`).join(" ");
  return `class ${name} extends SSHHost { ${body} }`;
}
