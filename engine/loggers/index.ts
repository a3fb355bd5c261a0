// Loggers: pluggable observers of what actions run. The default one prints each command per host.
export {
  LoggerInterface, type Logger, type RunEntry, type RunOutcome, type FileEntry, type LogScope, type HostHandle,
} from "./_interface.ts";
export { DefaultLogger } from "./_default.ts";
export { FileLogger } from "./_file.ts";
export { IndentedDefaultLogger } from "./_indented.ts";
export { TraceLogger, TracePrinter, type TraceGroup, type TraceRun, type TraceFile, type TraceItem } from "./_trace.ts";
export { OnHostLogger } from "./_on_host.ts";
