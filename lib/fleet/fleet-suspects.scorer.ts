import { hypergeometricUpperTail } from '../analysis/suspects/hypergeometric.tail.js';
import type { HudFleetSuspect, HudFleetSuspectReport } from './hud-fleet-report.interface.js';

/** The bar a value must clear, as for one instance's suspects. */
export const FLEET_MIN_RELATIVE_RISK = 1.5;
export const FLEET_SIGNIFICANCE = 0.01;

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

interface Tested {
  report: HudFleetSuspectReport;
  counts: ValueCounts;
  p: number;
  relativeRisk: number;
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
 * The fleet's suspects: the same test as one instance's, on the counts summed over every
 * instance. Each value that could reach `minFailures` (it has that many invocations, its name
 * that many failures) gets the exact one-sided hypergeometric p-value of its failures; the
 * p-values of every value of every name are adjusted together (Holm), since the page shows
 * them all at once. A suspect has at least `minFailures` failures, a relative risk of at
 * least 1.5 and an adjusted p-value under 0.01.
 *
 * Kept in this one file so that it can move to the shared scorer when that one scores by
 * relative risk across names too.
 */
export function scoreFleet(names: readonly FleetNameCounts[], minFailures: number): HudFleetSuspectReport[] {
  const reports: HudFleetSuspectReport[] = [];
  const tested: Tested[] = [];
  for (const name of names) {
    if (name.failures === 0) continue;
    const report: HudFleetSuspectReport = { name: name.name, kind: name.kind, invocations: name.invocations, failures: name.failures, suspects: [] };
    reports.push(report);
    if (name.failures < minFailures) continue;
    for (const counts of name.values) {
      if (counts.invocations < minFailures) continue;
      const p = hypergeometricUpperTail(name.invocations, name.failures, counts.invocations, counts.failures);
      tested.push({ report, counts, p, relativeRisk: relativeRisk(name, counts) });
    }
  }
  tested.sort((a, b) => a.p - b.p || b.relativeRisk - a.relativeRisk || b.counts.failures - a.counts.failures);
  const m = tested.length;
  let adjusted = 0;
  for (let i = 0; i < m; i++) {
    const { report, counts, p, relativeRisk: risk } = tested[i];
    adjusted = Math.max(adjusted, Math.min(1, (m - i) * p));
    if (adjusted >= FLEET_SIGNIFICANCE) break; // Holm: every later value fails too
    if (counts.failures < minFailures || risk < FLEET_MIN_RELATIVE_RISK) continue;
    report.suspects.push(suspectOf(report, counts, risk, adjusted));
  }
  return reports.sort((a, b) => b.failures - a.failures || a.name.localeCompare(b.name));
}

function suspectOf(report: HudFleetSuspectReport, counts: ValueCounts, risk: number, pValue: number): HudFleetSuspect {
  const rate = report.failures / report.invocations;
  return {
    key: counts.key,
    value: counts.value,
    failures: counts.failures,
    invocations: counts.invocations,
    failureShare: counts.failures / report.failures,
    baselineShare: counts.invocations / report.invocations,
    lift: counts.failures / counts.invocations / rate,
    relativeRisk: risk,
    pValue,
  };
}
