// esbuild's JavaScript API, as a part of its own in the compiled binary (see engine/_parts.ts):
// loaded only when a deploy.ts is bundled, not when its bundle comes from the cache. (esbuild is
// CommonJS: `export *` would re-export nothing from the bundle, so the namespace goes out as one value.)
import * as esbuild from "esbuild";

export const api: typeof import("esbuild") = esbuild;
