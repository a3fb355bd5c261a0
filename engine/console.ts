// The Console lives in engine/console/; this path stays so existing imports keep working.
export * from "./console/index.ts";
