#!/usr/bin/env bun
// The binary's entry: the only place that exits the process.
import process from "node:process";
import { main } from "./index.ts";
import { processIo } from "./_stdio.ts";

const code = await main(process.argv.slice(2), processIo());
process.exit(code);
