// Several terminals served by one process (session server, telnet): the one Env they share, what
// each terminal is running, and what happens when one hangs up.
import * as engine from "../engine/index.ts";

/** A terminal's record: the actions running from it, outermost first. */
export interface Activity {
  actions: string[];
}

/** A logger that files each action under the terminal (route) it runs from. */
function activityLogger(terminals: () => Iterable<{ route: engine.TerminalRoute; activity: Activity }>): engine.Logger {
  const find = (): Activity | undefined => {
    for (let route = engine.currentRoute(); route; route = route.parent) {
      for (const terminal of terminals()) if (terminal.route === route) return terminal.activity;
    }
    return undefined;
  };
  return {
    enterGroup: (name) => { find()?.actions.push(name); },
    leaveGroup: () => { find()?.actions.pop(); },
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
  terminals: () => Iterable<{ route: engine.TerminalRoute; activity: Activity }>,
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
