// Decorators on actions: how they run (isolation), whether the shell prints their result, other names.

interface ActionFlags {
  dontIsolateYet?: boolean;
  isolateOneOnly?: boolean;
  suppressResult?: boolean;
}

const flags = new WeakMap<Function, ActionFlags>();

/** The flags set on an action's function by the decorators below. */
export function actionFlags(fn: Function): Readonly<ActionFlags> {
  return flags.get(fn) ?? {};
}

function flag(name: keyof ActionFlags) {
  return <F extends Function>(fn: F, _context?: ClassMethodDecoratorContext): F => {
    flags.set(fn, { ...flags.get(fn), [name]: true });
    return fn;
  };
}

/** Run once on the ParallelNode itself (e.g. to ask a question once) instead of once per host. */
export const dontIsolateYet = flag("dontIsolateYet");

/** With several hosts, ask which one (random by default) and run only there; returns that plain result. */
export const isolateOneOnly = flag("isolateOneOnly");

/** The shell does not print this action's return value (callers still get it). */
export const suppressActionResult = flag("suppressResult");

/** Make the action reachable under other names too (which may contain characters like `.`). */
export function alias(...names: string[]) {
  return <F extends Function>(fn: F, context: ClassMethodDecoratorContext): F => {
    context.addInitializer(function (this: unknown) {
      for (const name of names) {
        Object.defineProperty(this as object, name, { value: fn, enumerable: true, configurable: true, writable: true });
      }
    });
    return fn;
  };
}
