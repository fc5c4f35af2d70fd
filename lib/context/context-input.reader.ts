import type { HudLimits } from '../options/hud-limits.options.js';
import { displayKey, keyProblem, normalizeValue, reportProblem, type ProblemSink } from './context-value.normalizer.js';
import type { HudContextValue } from './context-value.types.js';

/** Names the argument of a call as a whole, not one of its keys, in a problem report. */
export const ARGUMENTS_KEY = '(arguments)';

/**
 * Keys read beyond `limits.maxKeys` before a call stops reading its argument. A call can
 * store at most `maxKeys` keys, so reading further only produces more problems to report:
 * the margin names a few of them, the stop keeps the cost of one call bounded.
 */
export const READ_MARGIN = 20;

/**
 * Why `input` cannot be the argument of `set(values)`, or `undefined` when it can. Never
 * throws: `Array.isArray` of a revoked Proxy does, and that must not reach the caller.
 */
export function argumentProblem(input: unknown): string | undefined {
  if (input === null || typeof input !== 'object') return 'expected an object of key/value pairs';
  try {
    return Array.isArray(input) ? 'expected an object of key/value pairs' : undefined;
  } catch {
    return 'reading the argument threw (a revoked Proxy?)';
  }
}

/** How many entries (absent values aside) one call reads at most. */
export function readLimit(limits: HudLimits): number {
  return limits.maxKeys + READ_MARGIN;
}

/** Notes that a call was not read to its end, first, so that `dropped`, the warning and a strict error all name it. */
export function reportReadStop(sink: ProblemSink, limits: HudLimits): void {
  (sink.problems ??= []).unshift({
    key: ARGUMENTS_KEY,
    reason: `more keys than limits.maxKeys (${limits.maxKeys}) + ${READ_MARGIN}: the rest of the call was not read, so that one call costs a bounded time and memory`,
  });
}

/** How a key that is no string is named: never by `String()` of an object, which may throw. */
function nonStringKeyLabel(key: unknown): string {
  return typeof key === 'number' || typeof key === 'boolean' || typeof key === 'bigint' ? String(key) : `(${key === null ? 'null' : typeof key})`;
}

/** The value to store for one entry, or `undefined` when it is skipped or dropped (and reported). */
export function acceptEntry(key: unknown, raw: unknown, limits: HudLimits, sink: ProblemSink): HudContextValue | undefined {
  if (raw === undefined || raw === null) return undefined; // an absent header is not an error
  if (typeof key !== 'string') {
    reportProblem(sink, nonStringKeyLabel(key), 'key is not a string');
    return undefined;
  }
  const badKey = keyProblem(key, limits);
  if (badKey !== undefined) {
    reportProblem(sink, displayKey(key, limits), badKey);
    return undefined;
  }
  try {
    return normalizeValue(raw, limits, sink, key);
  } catch {
    // a Proxy or a getter inside an array value threw while we copied it
    reportProblem(sink, key, 'reading the value threw');
    return undefined;
  }
}

/** The keys of a `set(values)` argument, or `undefined` (reported) when it has none to offer. */
export function keysOf(input: unknown, sink: ProblemSink): string[] | undefined {
  const problem = argumentProblem(input);
  if (problem !== undefined) {
    reportProblem(sink, ARGUMENTS_KEY, problem);
    return undefined;
  }
  try {
    return Object.keys(input as object);
  } catch {
    reportProblem(sink, ARGUMENTS_KEY, 'listing the keys threw');
    return undefined;
  }
}

/** Reads `input[key]`; `undefined` (reported) when the getter or Proxy trap throws. */
export function readValue(input: object, key: string, limits: HudLimits, sink: ProblemSink): unknown {
  try {
    return (input as Record<string, unknown>)[key];
  } catch {
    reportProblem(sink, displayKey(key, limits), 'reading the value threw');
    return undefined;
  }
}
