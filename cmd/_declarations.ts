// The engine's type declarations embedded in the binary, for `deployer types`.
// Running from source nothing is embedded: cmd/_types.ts generates them with tsc instead.
// build.ts replaces this module with one holding the map it generated (see embedDeclarations there).

/** Path inside node_modules/deployer → content of each .d.ts file. */
export const embeddedDeclarations: Readonly<Record<string, string>> | undefined = undefined;
