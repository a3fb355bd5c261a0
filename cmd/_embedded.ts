// Runtime adapter for files embedded in the compiled binary.
// Running from source (bun or deno cmd/deployer.ts) nothing is embedded: esbuild comes from node_modules.
// build.ts replaces this module with one that embeds esbuild's executable (see embeddedModuleSource there).

/** A file inside the binary, with what is needed to extract and verify it. */
export interface EmbeddedFile {
  /** Where the runtime serves the embedded bytes from. */
  path: string;
  sha256: string;
  version: string;
}

export const embeddedEsbuild: EmbeddedFile | undefined = undefined;
