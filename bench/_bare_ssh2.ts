// The floor under deployer's fan-out: ssh2 alone, no engine. Connects to every host at once, runs one
// command on each, prints what each host answered as JSON, exits (1 if any host failed).
//
//   bun bench/_bare_ssh2.ts TARGETS.json COMMAND [--repeat ROUNDS] [--debug]
//
// TARGETS.json: { username, key, knownHosts, hosts: [{ address, port }] }. The key and known_hosts are
// read once; each host key is checked against known_hosts; ssh2's default algorithms, as in deployer.
// `--repeat ROUNDS` runs COMMAND on every host ROUNDS times over open connections, then ROUNDS times
// connecting each time, and prints the timings as deploy.ts's warm_repeat (bench/fanout.ts) does.
// `--debug` prints ssh2's handshake lines (the algorithms offered and chosen) to stderr.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Client } from "ssh2";

interface Targets {
  username: string;
  key: string;
  knownHosts: string;
  hosts: Array<{ address: string; port: number }>;
}

type Target = Targets["hosts"][number];

/** `[address]:port` → base64 key blob, from a known_hosts file of plain entries. */
function knownKeys(file: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [names, , blob] = line.trim().split(/\s+/);
    if (names && blob && !names.startsWith("#")) for (const name of names.split(",")) keys.set(name, blob);
  }
  return keys;
}

const knownName = (host: Target) => (host.port === 22 ? host.address : `[${host.address}]:${host.port}`);

/** What every connection shares: the targets file, the key and the known host keys, read once. */
interface Setup {
  targets: Targets;
  key: Buffer;
  known: Map<string, string>;
  debug: boolean;
}

function connect(host: Target, setup: Setup): Promise<Client> {
  const name = knownName(host);
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on("error", reject);
    client.on("ready", () => resolve(client));
    client.connect({
      host: host.address,
      port: host.port,
      username: setup.targets.username,
      privateKey: setup.key,
      readyTimeout: 10_000,
      hostVerifier: (blob: Buffer) => setup.known.get(name) === blob.toString("base64"),
      debug: setup.debug ? (line: string) => process.stderr.write(`${name} ${line}\n`) : undefined,
    });
  });
}

/** Runs `command` over an open connection; resolves to its stdout, rejects on a non-zero exit. */
function exec(client: Client, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      let out = "";
      let exitCode: number | null = null;
      stream.on("data", (d: Buffer) => (out += d.toString()));
      stream.stderr.on("data", () => undefined);
      stream.on("exit", (code: number | null) => (exitCode = code));
      stream.on("close", () => (exitCode === 0 ? resolve(out) : reject(new Error(`"${command}" exited with ${exitCode}`))));
    });
  });
}

/** Connect, run, disconnect. */
async function runOn(host: Target, setup: Setup, command: string): Promise<string> {
  const client = await connect(host, setup);
  try {
    return await exec(client, command);
  } finally {
    client.end();
  }
}

/** Non-idle CPU seconds of the whole machine so far (all cores; /proc/stat counts in 1/100 s). */
function machineBusySeconds(): number {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  const ticks = fields.slice(0, 8).map(Number);
  return (ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!) / 100;
}

/** `step` `rounds` times: each round's seconds, this process's CPU seconds and the machine's busy seconds. */
async function phase(rounds: number, step: () => Promise<unknown>) {
  const seconds: number[] = [];
  const [cpu, busy] = [process.cpuUsage(), machineBusySeconds()];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await step();
    seconds.push((performance.now() - start) / 1000);
  }
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, busySeconds: machineBusySeconds() - busy };
}

/** The same rounds as deploy.ts's warm_repeat: one untimed round to connect, reused rounds, reconnecting rounds. */
async function repeat(setup: Setup, command: string, rounds: number): Promise<unknown> {
  const clients = await Promise.all(setup.targets.hosts.map((h) => connect(h, setup)));
  const onAll = () => Promise.all(clients.map((c) => exec(c, command)));
  await onAll();
  const reuse = await phase(rounds, onAll);
  for (const client of clients) client.end();
  const reconnect = await phase(rounds, () => Promise.all(setup.targets.hosts.map((h) => runOn(h, setup, command))));
  return { reuse, reconnect };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { repeat: { type: "string" }, debug: { type: "boolean", default: false } } });
  const [file, command] = positionals;
  if (!file || !command) throw new Error("usage: bun bench/_bare_ssh2.ts TARGETS.json COMMAND [--repeat ROUNDS] [--debug]");
  const targets = JSON.parse(readFileSync(file, "utf8")) as Targets;
  const setup: Setup = { targets, key: readFileSync(targets.key), known: knownKeys(targets.knownHosts), debug: values.debug };
  if (values.repeat) {
    process.stdout.write(JSON.stringify(await repeat(setup, command, Number(values.repeat))) + "\n");
    return 0;
  }
  const outcomes = await Promise.allSettled(targets.hosts.map((h) => runOn(h, setup, command)));
  const answers: Record<string, string> = {};
  const errors: Record<string, string> = {};
  outcomes.forEach((o, i) => {
    const address = targets.hosts[i]!.address;
    if (o.status === "fulfilled") answers[address] = o.value.trim();
    else errors[address] = (o.reason as Error).message;
  });
  process.stdout.write(JSON.stringify({ answers, errors }) + "\n");
  return Object.keys(errors).length ? 1 : 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`bare-ssh2: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
}
