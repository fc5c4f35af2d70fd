import type { HudLimits } from '../options/hud-limits.options.js';
import { displayKey, keyProblem, normalizeValue, type ProblemSink } from './context-value.normalizer.js';
import type { HudContextValue } from './context-value.types.js';

const DATA_KEY = '(data)';

function report(sink: ProblemSink, key: string, reason: string): void {
  (sink.problems ??= []).push({ key, reason });
}

function keysOf(input: unknown, sink: ProblemSink): string[] | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    report(sink, DATA_KEY, 'expected an object of key/value pairs');
    return undefined;
  }
  try {
    return Object.keys(input);
  } catch {
    report(sink, DATA_KEY, 'listing the keys threw');
    return undefined;
  }
}

/** One entry's stored value, or `undefined` when it is skipped (null, undefined) or dropped (reported). */
function valueOf(input: Record<string, unknown>, key: string, limits: HudLimits, sink: ProblemSink): HudContextValue | undefined {
  const badKey = keyProblem(key, limits);
  if (badKey !== undefined) {
    report(sink, displayKey(key, limits), badKey);
    return undefined;
  }
  try {
    const raw = input[key];
    return raw === undefined || raw === null ? undefined : normalizeValue(raw, limits, sink, key);
  } catch {
    // a getter, or a Proxy inside an array value, threw while we copied it
    report(sink, key, 'reading the value threw');
    return undefined;
  }
}

/**
 * A validated copy of a breadcrumb's `data`, by the rules of context: bad keys and values are
 * dropped and named in `sink`, strings and arrays cut to the limits, at most `limits.maxKeys`
 * keys. `undefined` when nothing is left.
 */
export function normalizeBreadcrumbData(
  input: unknown,
  limits: HudLimits,
  sink: ProblemSink,
): Record<string, HudContextValue> | undefined {
  if (input === undefined || input === null) return undefined;
  const keys = keysOf(input, sink);
  if (keys === undefined) return undefined;
  const data: Record<string, HudContextValue> = {};
  let count = 0;
  let overLimit = 0;
  for (const key of keys) {
    const value = valueOf(input as Record<string, unknown>, key, limits, sink);
    if (value === undefined) continue;
    if (count >= limits.maxKeys) {
      overLimit++;
      continue;
    }
    data[key] = value;
    count++;
  }
  if (overLimit > 0) report(sink, DATA_KEY, `${overLimit} keys over limits.maxKeys (${limits.maxKeys}) dropped`);
  return count === 0 ? undefined : data;
}
