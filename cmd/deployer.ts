#!/usr/bin/env bun
// The binary's entry: the only place that exits the process.
import { writeSync } from "node:fs";
import process from "node:process";
import { main } from "./index.ts";
import { processIo } from "./_stdio.ts";

// Not a top-level await: when nothing is left that could settle what main() waits on (an action
// awaiting a promise nobody resolves, with no command, timer, connection or input pending), Bun would
// spin on such an await at full CPU for ever (oven-sh/bun#14951). This way the loop empties, and
// beforeExit says so and ends the run.
let finished = false;
process.on("beforeExit", () => {
  if (finished) return;
  writeSync(2, "deployer: stopped: the action waits on a promise that nothing can settle any more (no command, timer, connection or input is left pending)\n");
  process.exit(1);
});
void main(process.argv.slice(2), processIo()).then((code) => {
  finished = true;
  process.exit(code);
});
