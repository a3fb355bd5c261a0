// Several terminals served by one process (session server, telnet): the one Env they share, what
// each terminal is running, and what happens when one hangs up.
import * as engine from "../engine/index.ts";

/** A terminal's record: the actions running from it, outermost first, and who watches them. */
export interface Activity {
  actions: string[];
  /** Loggers that see only what runs from this terminal (open-monitor's panes). */
  monitors?: Set<engine.Logger>;
}

type Terminals = () => Iterable<{ route: engine.TerminalRoute; activity: Activity }>;

/** The record of the terminal the caller runs from, if any. */
function activityHere(terminals: Terminals): Activity | undefined {
  for (let route = engine.currentRoute(); route; route = route.parent) {
    for (const terminal of terminals()) if (terminal.route === route) return terminal.activity;
  }
  return undefined;
}

/** A logger that files each action under the terminal (route) it runs from, and tells that terminal's monitors. */
function activityLogger(terminals: Terminals): engine.Logger {
  const monitors = (): engine.Logger[] => [...(activityHere(terminals)?.monitors ?? [])];
  return {
    enterGroup: (name, args, scope) => {
      activityHere(terminals)?.actions.push(name);
      for (const m of monitors()) m.enterGroup?.(name, args, scope);
    },
    leaveGroup: (scope) => {
      activityHere(terminals)?.actions.pop();
      for (const m of monitors()) m.leaveGroup?.(scope);
    },
    logRun: (entry) => {
      const ends = monitors().map((m) => m.logRun?.(entry));
      return (succeeded, outcome) => { for (const end of ends) end?.(succeeded, outcome); };
    },
    logFileOpened: (entry) => {
      const ends = monitors().map((m) => m.logFileOpened?.(entry));
      return (succeeded) => { for (const end of ends) end?.(succeeded); };
    },
    logMsg: (message, scope) => { for (const m of monitors()) m.logMsg?.(message, scope); },
    logException: (error, scope) => { for (const m of monitors()) m.logException?.(error, scope); },
  };
}

/** "Root.deploy", or "(idle)". */
export function describeActivity(activity: Activity): string {
  return activity.actions[0] ?? "(idle)";
}

/** The Env every terminal shares: one node tree, one connection per host, output routed per terminal. */
export function sharedEnv(
  root: engine.NodeClass,
  options: { acceptNewHostKeys: boolean; parallel?: number; loggers: engine.Logger[] },
  terminals: Terminals,
): engine.Node {
  return engine.Env.defaultFromNode(new root(), {
    // Nothing runs outside a terminal's route; this one only catches stray output.
    pty: new engine.Pty(undefined, { write: () => true }, { interactive: false }),
    acceptNewHostKeys: options.acceptNewHostKeys,
    parallel: options.parallel,
    logger: new engine.LoggerInterface([new engine.DefaultLogger(), activityLogger(terminals), ...options.loggers]),
  });
}

/** A terminal hung up: stop the commands it started, as a hang-up would; returns how many. */
export function hangUp(route: engine.TerminalRoute): number {
  const running = [...route.running];
  for (const proc of running) proc.signal("INT");
  return running.length;
}
