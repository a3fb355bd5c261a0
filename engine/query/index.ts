// Q: lazily evaluated expressions over a node (`x = Q.parent.y`), their evaluation and trace.
export { Q, isQuery, queryLocation, type Query, type QueryMethods, type QueryRoot } from "./_proxy.ts";
export { evaluateQuery, traceQuery, QueryResult, NOT_EVALUATED, type QueryContext } from "./_evaluate.ts";

import type { Query as QueryType } from "./_proxy.ts";

/**
 * Type a query field as the value it gives when read on an Env:
 * `home = query<string>(Q.parent.home)` makes `this.home` a string in actions.
 */
export function query<T>(q: QueryType): T {
  return q as unknown as T;
}
