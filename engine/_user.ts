// Who runs deployer here: the local login name, also without $USER (cron sets only LOGNAME, and
// Bun's os.userInfo() answers "unknown" when $USER is unset).
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";

/** $USER, $LOGNAME, the passwd entry of our uid, or "uid=N" when there is none (some containers). */
export function localUsername(): string {
  const fromEnv = process.env.USER || process.env.LOGNAME;
  if (fromEnv) return fromEnv;
  const uid = process.getuid?.();
  try {
    const entry = readFileSync("/etc/passwd", "utf8").split("\n").map((line) => line.split(":")).find((f) => f[2] === String(uid));
    if (entry?.[0]) return entry[0];
  } catch {
    // No readable passwd file: ask the runtime.
  }
  try {
    const name = userInfo().username;
    if (name && name !== "unknown") return name;
  } catch {
    // No passwd entry at all.
  }
  return `uid=${uid ?? "?"}`;
}
