// Loggers: pluggable observers of what actions run. The default one prints each command per host.
export { LoggerInterface, type Logger, type RunEntry, type RunOutcome } from "./_interface.ts";
export { DefaultLogger } from "./_default.ts";
export { FileLogger } from "./_file.ts";
