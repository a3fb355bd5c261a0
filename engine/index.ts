// The public API: what `import … from "deployer"` gives a deploy.ts.
export { Node, child, isNodeClass, type NodeClass } from "./node/_node.ts";
export { Env, type EnvOptions } from "./node/_env.ts";
export { Inspector } from "./node/_inspector.ts";
export { Host, type HostClass, type RunOptions } from "./host/_host.ts";
export { LocalHost } from "./host/_local.ts";
export { SSHHost } from "./host/_ssh.ts";
export { HostsContainer, HostsFailed, type HostsDefinition } from "./host/_container.ts";
export type { CommandResult } from "./host/_result.ts";
export { Pty, DummyPty } from "./pty.ts";
export { Console } from "./console.ts";
export { LoggerInterface, DefaultLogger, type Logger, type RunEntry } from "./loggers/index.ts";
export {
  DeployerException, ExecCommandFailed, ActionException, QueryException, ConnectionFailedException,
} from "./exceptions.ts";
export { esc1, esc2, indent, shellQuote } from "./utils.ts";
// For tools that load deploy.ts bundles (the CLI, the shells): map stack frames to the user's lines.
export { registerSourceMap, userLocation, userFrames, framesOf, type Frame } from "./_location.ts";
