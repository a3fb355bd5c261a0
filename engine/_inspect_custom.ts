// util.inspect.custom without loading node:util (see _builtins.ts): the same registered symbol in every runtime.
export const INSPECT_CUSTOM: unique symbol = Symbol.for("nodejs.util.inspect.custom");
