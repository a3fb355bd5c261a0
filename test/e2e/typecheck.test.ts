import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../helpers/deployer.ts";

test("the examples and the API type tests type-check under strict TypeScript", () => {
  // tsconfig.json maps "deployer" to engine/index.ts, as a user's editor would see the package.
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", join(ROOT, "tsconfig.json")], { cwd: ROOT, encoding: "utf8" });
  expect(result.stdout + result.stderr).toBe("");
  expect(result.status).toBe(0);
});
