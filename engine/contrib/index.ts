// Contrib: ready-made nodes (config files, git checkouts, packages, releases) and command helpers.
export {};
export { Releases, DeployLocked, type LockInfo } from "./_releases.ts";
