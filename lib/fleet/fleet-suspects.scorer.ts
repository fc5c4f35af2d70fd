import { scoreSuspects, SERVICE_LEVEL } from '../analysis/suspects/suspect.scorer.js';
import type { ValueSpan } from '../analysis/suspects/value.span.js';
import type { HudFleetSuspect, HudFleetSuspectReport } from './hud-fleet-report.interface.js';

/** The bar a value must clear, as for one instance's suspects. */
export const FLEET_MIN_RELATIVE_RISK = 1.5;

/** One context value's counts across the fleet. */
export interface ValueCounts {
  key: string;
  value: string;
  /** Invocations holding the value. */
  invocations: number;
  /** Of those, failing. */
  failures: number;
}

/** One name's counts across the fleet: its totals and each context value's. */
export interface FleetNameCounts {
  name: string;
  kind?: string;
  invocations: number;
  failures: number;
  values: readonly ValueCounts[];
}

/** Failure rate with the value / failure rate without it; `Infinity` when none without it failed. */
export function relativeRisk(name: FleetNameCounts, value: ValueCounts): number {
  const restInvocations = name.invocations - value.invocations;
  if (restInvocations <= 0) return 1; // the value is all of the traffic: nothing to compare with
  const restFailures = name.failures - value.failures;
  const rate = value.invocations === 0 ? 0 : value.failures / value.invocations;
  if (restFailures <= 0) return rate > 0 ? Infinity : 1;
  return rate / (restFailures / restInvocations);
}

/**
 * A value's fleet-wide counts as a span of one bucket: Prometheus gives the counts summed
 * over the window, so there is nothing to compare bucket by bucket.
 */
function spanOf(name: FleetNameCounts, counts: ValueCounts, order: number): ValueSpan {
  return {
    key: counts.key,
    value: counts.value,
    sinceMs: undefined,
    admittedAtMs: order,
    invocations: counts.invocations,
    failures: counts.failures,
    spanInvocations: name.invocations,
    spanFailures: name.failures,
    expectedFailures: name.invocations === 0 ? 0 : (counts.invocations * name.failures) / name.invocations,
    total: [name.invocations],
    failing: [name.failures],
    drawn: [counts.invocations],
    hit: [counts.failures],
  };
}

/**
 * The fleet's suspects: the same test and rule as one instance's (see `scoreSuspects`), on
 * the counts summed over every instance. The p-values of every value of every name are
 * adjusted together and held to the level of the whole answer, since the page shows them all
 * at once and is read again and again; values with identical counts are one entry (`sameAs`).
 */
export function scoreFleet(names: readonly FleetNameCounts[], minFailures: number): HudFleetSuspectReport[] {
  const failing = names.filter((name) => name.failures > 0);
  const groups = failing.map((name) => name.values.map((counts, order) => spanOf(name, counts, order)));
  const found = scoreSuspects(groups, { minFailures, minRelativeRisk: FLEET_MIN_RELATIVE_RISK, level: SERVICE_LEVEL }, false);
  const reports = failing.map(
    (name, i): HudFleetSuspectReport => ({
      name: name.name,
      kind: name.kind,
      invocations: name.invocations,
      failures: name.failures,
      suspects: found[i] as HudFleetSuspect[],
    }),
  );
  return reports.sort((a, b) => b.failures - a.failures || a.name.localeCompare(b.name));
}
