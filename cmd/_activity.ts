// What each terminal of a shared process is running, read from the action groups it logs.
import * as engine from "../engine/index.ts";

/** A terminal's record: the actions running from it, outermost first. */
export interface Activity {
  actions: string[];
}

/** A logger that files each action under the terminal (route) it runs from. */
export function activityLogger(terminals: () => Iterable<{ route: engine.TerminalRoute; activity: Activity }>): engine.Logger {
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
