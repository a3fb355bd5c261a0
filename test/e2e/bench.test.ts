// CI runs the benchmarks in their tiny configuration so the scripts keep working. Figures are
// never checked here (the machine is shared and noisy): only that every scenario runs and reports.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../helpers/deployer.ts";

test("npm run bench's script runs every scenario in its quick configuration and reports ratios", () => {
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "bun"), ["bench/run.ts", "--quick"], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
  expect(result.stdout).not.toContain("  error: ");
  expect(result.status).toBe(0);
  for (const scenario of ["fan-out", "warm repeat", "startup", "transfer", "shell"]) expect(result.stdout).toContain(`== ${scenario}`);
  expect(result.stdout).toMatch(/ratio deployer \/ bare ssh2/);
  expect(result.stdout).toMatch(/results: .*bench-.*\.json/);
}, 600_000);
