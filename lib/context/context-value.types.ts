/** A value stored in an invocation's context. */
export type HudContextValue = string | number | boolean | string[] | number[] | boolean[];

/** What `setContext` accepts: `null` and `undefined` are ignored (an absent header is not an error). */
export type HudContextInput = HudContextValue | null | undefined;

/** One rejected or altered key, as named in the warning and in the record's `dropped` list. */
export interface HudContextProblem {
  key: string;
  reason: string;
}

/** The kinds of work an invocation can be. */
export type HudInvocationKind = 'http' | 'rpc' | 'ws' | 'graphql' | 'job' | 'custom';

/** What `HudContextService.invocation()` returns. */
export interface HudInvocationInfo {
  id: string;
  kind: HudInvocationKind;
  name: string;
  startedAt: Date;
}
