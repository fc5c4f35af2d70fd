import type { HudSuspect } from './hud-suspect-report.interface.js';
import { hypergeometricUpperTail } from './hypergeometric.tail.js';

/** A value's counts in the window, for scoring. */
export interface ValueCounts {
  key: string;
  value: string | number | boolean;
  /** Invocations holding the value. */
  invocations: number;
  /** Of those, failing (or slow). */
  failures: number;
}

export const MIN_LIFT = 1.5;
export const SIGNIFICANCE = 0.01;

/**
 * Picks the suspects among the values of one name. A value is tested when it could reach
 * `minFailures` at all (it and the name have that many invocations, resp. failures); each
 * tested value gets the exact one-sided hypergeometric p-value of its failure count, adjusted
 * with Holm's step-down method for the number of values tested, so that a name with many
 * values is not "suspected" by chance. A suspect has at least `minFailures` failures,
 * lift >= 1.5 and an adjusted p-value < 0.01. Sorted by p-value, then lift, then failures.
 */
export function scoreValues(
  invocations: number,
  failures: number,
  values: readonly ValueCounts[],
  minFailures: number,
): HudSuspect[] {
  if (failures === 0 || invocations === 0) return [];
  const rate = failures / invocations;
  const tested = values
    .filter((v) => v.invocations >= minFailures && failures >= minFailures)
    .map((v) => ({ counts: v, p: hypergeometricUpperTail(invocations, failures, v.invocations, v.failures) }))
    .sort((a, b) => a.p - b.p || lift(b.counts) - lift(a.counts) || b.counts.failures - a.counts.failures);
  const m = tested.length;
  const suspects: HudSuspect[] = [];
  let adjusted = 0;
  for (let i = 0; i < m; i++) {
    const { counts, p } = tested[i];
    adjusted = Math.max(adjusted, Math.min(1, (m - i) * p));
    if (adjusted >= SIGNIFICANCE) break; // Holm: every later value fails too
    const valueLift = lift(counts);
    if (counts.failures < minFailures || valueLift < MIN_LIFT) continue;
    suspects.push({
      key: counts.key,
      value: counts.value,
      failures: counts.failures,
      invocations: counts.invocations,
      failureShare: counts.failures / failures,
      baselineShare: counts.invocations / invocations,
      lift: valueLift,
      pValue: adjusted,
    });
  }
  return suspects;

  function lift(v: ValueCounts): number {
    return v.invocations === 0 ? 0 : v.failures / v.invocations / rate;
  }
}
