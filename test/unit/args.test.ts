import { describe, expect, test } from "bun:test";
import { parseArgs } from "../../cmd/_args.ts";
import { CliError } from "../../cmd/_errors.ts";

function parsed(...argv: string[]) {
  const invocation = parseArgs(argv);
  if (invocation.kind !== "command") throw new Error(`expected a command, got ${invocation.kind}`);
  return invocation.args;
}

function failure(...argv: string[]): CliError {
  try {
    parseArgs(argv);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error(`expected ${argv.join(" ")} to be rejected`);
}

describe("parseArgs", () => {
  test.each([
    [["run", "deploy.ts"], { FILE: "deploy.ts" }, {}, []],
    [["run", "deploy.ts", "--non-interactive", "--", "production", "deploy", "v1.2"], { FILE: "deploy.ts" }, { "non-interactive": true }, ["production", "deploy", "v1.2"]],
    [["run", "deploy.ts", "-s", "--path", "production web"], { FILE: "deploy.ts" }, { "single-threaded": true, path: "production web" }, []],
    [["run", "--log=x.log", "deploy.ts", "a", "b"], { FILE: "deploy.ts" }, { log: "x.log" }, ["a", "b"]],
    [["run", "deploy.ts", "--", "a", "--not-an-option", "-h"], { FILE: "deploy.ts" }, {}, ["a", "--not-an-option", "-h"]],
    [["connect", "--socket", "3", "--", "x"], {}, { socket: "3" }, ["x"]],
    [["scp", "deploy.ts"], { FILE: "deploy.ts" }, {}, []],
  ] as const)("%j parses", (argv, positional, options, action) => {
    const args = parsed(...argv);
    expect(args.positional).toEqual(positional);
    expect(args.options).toEqual(options);
    expect(args.action).toEqual([...action]);
  });

  test.each([
    [["run", "deploy.ts", "--bogus"], "unknown option --bogus"],
    [["run"], "missing FILE"],
    [["run", "deploy.ts", "--path"], "option --path needs a value (P)"],
    [["run", "deploy.ts", "--scp", "--", "x"], "--scp cannot be combined with an action"],
    [["listen", "deploy.ts", "--", "x"], `"listen" runs no action: unexpected arguments after --`],
    [["frobnicate"], `unknown command "frobnicate"`],
    [["--frobnicate"], "unknown option --frobnicate"],
  ] as const)("%j is refused with a one-line reason and the usage", (argv, message) => {
    const error = failure(...argv);
    expect(error.message).toBe(message);
    expect(error.exitCode).toBe(2);
    expect(error.details.join("\n")).toContain("deployer");
  });

  test("help and version are recognised anywhere before --", () => {
    expect(parseArgs([]).kind).toBe("help");
    expect(parseArgs(["--help"]).kind).toBe("help");
    expect(parseArgs(["run", "deploy.ts", "-h"]).kind).toBe("help");
    expect(parseArgs(["--version"]).kind).toBe("version");
  });
});
