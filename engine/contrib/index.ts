// Contrib: ready-made nodes (config files, git checkouts, packages, releases) and command helpers.
export {};
export { commands } from "./_commands.ts";
export { Config } from "./_config.ts";
export { Connect } from "./_connect.ts";
export { Git, GitOverview, GIT_COMMANDS, type GitCommand, type GitActions, type GitClass, type WithGitCommands } from "./_git.ts";
export { AptGet } from "./_apt_get.ts";
export { AnalyseHost, type HostUse } from "./_analyse.ts";
export { unifiedDiff, type UnifiedDiffOptions } from "./_diff.ts";
export { Releases, DeployLocked, type LockInfo } from "./_releases.ts";
