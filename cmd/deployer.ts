#!/usr/bin/env bun
// The binary's entry: the only place that exits the process.
import process from "node:process";
import { main } from "./index.ts";

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
process.exit(code);
