// Waiting for something outside the test (a file, a process) without timing thresholds.

/** Resolves once `condition` holds; fails after 15 s (a hang guard, not a performance limit). */
export async function until(condition: () => boolean, what = "a condition"): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
