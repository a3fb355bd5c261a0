// The public API: what `import … from "deployer"` gives a deploy.ts.
export { Node, ParallelNode, child, arrayOf, justOneOf, isNodeClass, type NodeClass, type Parallel } from "./node/_node.ts";
export { Env, type EnvOptions } from "./node/_env.ts";
export { Inspector } from "./node/_inspector.ts";
export { mapRoles, ALL_HOSTS, type RoleMapping } from "./node/_roles.ts";
export { IsolationIdentifierType, type IsolationKey } from "./node/_isolation.ts";
export { ParallelActionResult } from "./node/_result.ts";
export { Q, isQuery, query, queryLocation, QueryResult, NOT_EVALUATED, type Query } from "./query/index.ts";
export { dontIsolateYet, isolateOneOnly, suppressActionResult, alias } from "./node/_decorators.ts";
export { requiredProperty, RequiredPropertyMissing } from "./node/_required.ts";
export { Host, type HostClass, type RunOptions, type CdOptions, type EnvOptions as HostEnvOptions } from "./host/_host.ts";
export { LocalHost } from "./host/_local.ts";
export { PASSING_THROUGH } from "./host/_exec.ts";
export { SSHHost } from "./host/_ssh.ts";
export { HostsContainer, HostContainer, HostsFailed, type HostsDefinition } from "./host/_container.ts";
export type { CommandResult } from "./host/_result.ts";
export { FileError, type FileStat, type FileSystem } from "./host/_backend.ts";
export type { Stat, RemoteFile, OpenMode, TransferOptions } from "./host/_files.ts";
export type { DirectoryOptions, DirectoryCopy } from "./host/_directories.ts";
export { withTerminal, bindToCaller, newRoute, onRoute, currentRoute, type TerminalRoute } from "./_terminal.ts";
export { Pty, DummyPty, type Pane, type LineResult, type PtyOptions } from "./pty.ts";
export {
  Console, NoInput, ProgressBar, type InputOptions, type ChoiceOption, type ChoiceOptions, type ProgressState,
  type ProgressBarOptions, type NoInputReason,
} from "./console.ts";
export {
  Group, Production, Staging, Beta, Local, Other, Utility, production, staging, beta, local, other, utility,
  setGroup, groupOf, colorize, type GroupClass, type ColorName,
} from "./groups.ts";
export { Filter, PublicOnly, PrivateOnly, IsInstance, HasAction, InGroup } from "./node/_filters.ts";
export { PathType, NodeIterator, iterIsolations, type ActionInfo } from "./node/_inspector.ts";
export { parseIfconfigOutput, IfConfig, NetworkInterface } from "./_network.ts";
export {
  LoggerInterface, DefaultLogger, FileLogger, IndentedDefaultLogger, TraceLogger, TracePrinter, OnHostLogger, type Logger,
  type RunEntry, type RunOutcome, type FileEntry, type LogScope, type HostHandle, type TraceGroup, type TraceRun,
  type TraceFile, type TraceItem,
} from "./loggers/index.ts";
export {
  DeployerException, ExecCommandFailed, ExecCommandTimedOut, ActionException, QueryException, ConnectionFailedException,
} from "./exceptions.ts";
export { esc1, esc2, indent, shellQuote } from "./utils.ts";
export * from "./contrib/index.ts";
export { start, collectStartRequest, type StartOptions, type StartRequest } from "./_start.ts";
// For tools that load deploy.ts bundles (the CLI, the shells): map stack frames to the user's lines.
export { registerSourceMap, userLocation, userFrames, framesOf, type Frame } from "./_location.ts";
