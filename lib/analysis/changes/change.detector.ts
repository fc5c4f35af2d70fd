// analysis/changes/: what changed: each name's recent span against the rest of the window, read from the shared counters.
import type { LatencyBaselines } from '../latency/latency.baselines.js';
import { latencyShift } from '../latency/latency.shift.js';
import { quantileOf } from '../latency/latency.window.js';
import { holmAdjust } from '../suspects/holm.adjustment.js';
import { hypergeometricUpperTail } from '../suspects/hypergeometric.tail.js';
import type { NameCounters } from '../suspects/name.counters.js';
import type { SuspectCounters } from '../suspects/suspect.counters.js';
import { NAME_LEVEL, scoreSuspects } from '../suspects/suspect.scorer.js';
import { COUNTERS, OUTCOME_FAILING } from '../suspects/value.table.js';
import { readSpans } from '../suspects/value.span.js';
import type { HudChangeFilter, HudChangeReport, HudSpanFigures } from './hud-change-report.interface.js';

/** The level a change's adjusted p-value must be under. */
export const CHANGE_LEVEL = 0.001;
/** Successful invocations each side needs before their latencies are compared. */
export const MIN_LATENCY_SAMPLES = 100;

/** How changes are found, resolved at boot from `changes` and `suspects.windowMs`. */
export interface ChangeSettings {
  windowMs: number;
  recentMs: number;
  minRatio: number;
  minFailures: number;
  minRelativeRisk: number;
}

/** One name's counts per bucket over the window, for the inspector's chart. */
export interface ChangeSeries {
  bucketMs: number;
  /** `performance.now()` ms the first bucket starts. */
  firstStartMs: number;
  invocations: number[];
  failures: number[];
  /** The p99 of each step of the latency sketches, when `slowBaseline` is on. */
  latency?: { stepMs: number; firstStartMs: number; p99s: Array<number | undefined> };
}

/** A change found, with what the inspector draws. */
export interface ChangeFinding {
  report: HudChangeReport;
  series: ChangeSeries;
}

/** One test of a name: in the family or not, its p-value (1 when it cannot be a change, so not computed). */
interface NameTest {
  inFamily: boolean;
  p: number;
  adjusted: number;
}

/** The tests of one name: its failure rate, its p50 and its p99. */
interface Candidate {
  name: string;
  counters: NameCounters;
  recentSlots: number[];
  before: HudSpanFigures;
  after: HudSpanFigures;
  failureRatio: number;
  p50Ratio: number;
  p99Ratio: number;
  failure: NameTest;
  p50: NameTest;
  p99: NameTest;
}

const notTested = (): NameTest => ({ inFamily: false, p: 1, adjusted: 1 });
const tested = (p: number): NameTest => ({ inFamily: true, p, adjusted: 1 });

const ratioOf = (after: number, before: number) => (before > 0 ? after / before : after > 0 ? Infinity : 1);

/**
 * Finds the names whose failure rate or latency rose in the last `recentMs` compared with the
 * rest of the window. The recent span is the last `recentMs / bucketMs` buckets of the
 * suspects window (the current one included). Failures: the recent invocations are a draw
 * from the window's, so the recent failures are hypergeometric if nothing changed; one-sided
 * exact p-value, with at least `minFailures` recent failures and a rate `minRatio` times the
 * earlier one. Latency: the current step of the latency sketches against the earlier ones,
 * at the p50 and the p99 (`latencyShift`), with `MIN_LATENCY_SAMPLES` on each side. Every
 * test of every name is one family, adjusted with Holm's method; a change is under
 * `CHANGE_LEVEL`. No timer, nothing counted of its own: it reads what is there.
 */
export class ChangeDetector {
  private readonly recentBuckets: number;
  private readonly bucketMs: number;

  constructor(
    private readonly settings: ChangeSettings,
    private readonly counters: SuspectCounters,
    private readonly latency: LatencyBaselines | undefined,
  ) {
    this.bucketMs = counters.bucketMs;
    this.recentBuckets = Math.max(1, Math.round(settings.recentMs / this.bucketMs));
  }

  findings(filter: HudChangeFilter = {}, nowMs = performance.now()): ChangeFinding[] {
    const epoch = Math.floor(nowMs / this.bucketMs);
    const candidates: Candidate[] = [];
    for (const [name, counters] of this.counters.entries()) {
      if (filter.name !== undefined && name !== filter.name) continue;
      const candidate = this.test(name, counters, epoch, nowMs);
      if (candidate !== undefined) candidates.push(candidate);
    }
    // one family: every test of every name read
    const family = candidates.flatMap((c) => [c.failure, c.p50, c.p99]).filter((t) => t.inFamily);
    const adjusted = holmAdjust(
      family.map((t) => t.p),
      family.length,
    );
    family.forEach((t, i) => {
      t.adjusted = adjusted[i];
    });
    const { minRatio } = this.settings;
    const findings: Array<ChangeFinding & { p: number }> = [];
    for (const candidate of candidates) {
      const { failure, p50, p99 } = candidate;
      const failureRise = failure.adjusted < CHANGE_LEVEL;
      const latencyRise = (p50.adjusted < CHANGE_LEVEL && candidate.p50Ratio >= minRatio) || (p99.adjusted < CHANGE_LEVEL && candidate.p99Ratio >= minRatio);
      if (!failureRise && !latencyRise) continue;
      const report: HudChangeReport = {
        name: candidate.name,
        kind: candidate.counters.kind,
        since: new Date(performance.timeOrigin + (epoch - this.recentBuckets + 1) * this.bucketMs).toISOString(),
        before: candidate.before,
        after: candidate.after,
        suspects: this.suspectsOf(candidate, epoch),
      };
      if (failureRise) report.failureRate = { ratio: candidate.failureRatio, pValue: failure.adjusted };
      if (latencyRise) report.latency = { p50Ratio: candidate.p50Ratio, p99Ratio: candidate.p99Ratio };
      const p = Math.min(failureRise ? failure.adjusted : 1, latencyRise ? Math.min(p50.adjusted, p99.adjusted) : 1);
      findings.push({ report, series: this.seriesOf(candidate, epoch, nowMs), p });
    }
    findings.sort((a, b) => a.p - b.p || (a.report.name < b.report.name ? -1 : 1));
    return findings.map(({ report, series }) => ({ report, series }));
  }

  /** The tests of one name; `undefined` when it had no recent invocation. */
  private test(name: string, counters: NameCounters, epoch: number, nowMs: number): Candidate | undefined {
    const recentFrom = epoch - this.recentBuckets + 1;
    const live = counters.liveSlots(epoch);
    const recentSlots = live.filter((slot) => counters.slotEpochs[slot] >= recentFrom);
    const beforeSlots = live.filter((slot) => counters.slotEpochs[slot] < recentFrom);
    const sum = (slots: readonly number[], outcome: number) => slots.reduce((total, slot) => total + counters.totals[slot * COUNTERS + outcome], 0);
    const before = figures(sum(beforeSlots, 0), sum(beforeSlots, OUTCOME_FAILING));
    const after = figures(sum(recentSlots, 0), sum(recentSlots, OUTCOME_FAILING));
    if (after.invocations === 0) return undefined;
    const { minFailures, minRatio } = this.settings;
    const failureRatio = ratioOf(after.failureRate, before.failureRate);
    let failure = notTested();
    if (before.invocations > 0 && before.failures + after.failures >= minFailures) {
      const rose = after.failures >= minFailures && failureRatio >= minRatio;
      const total = before.invocations + after.invocations;
      failure = tested(rose ? hypergeometricUpperTail(total, before.failures + after.failures, after.invocations, after.failures) : 1);
    }
    const candidate: Candidate = { name, counters, recentSlots, before, after, failureRatio, p50Ratio: 1, p99Ratio: 1, failure, p50: notTested(), p99: notTested() };
    const window = this.latency?.peek(name);
    if (window === undefined) return candidate;
    const { recent, earlier } = window.splitRecent(nowMs);
    if (recent !== undefined) [after.p50Ms, after.p99Ms] = [quantileOf(recent, 0.5), quantileOf(recent, 0.99)];
    if (earlier !== undefined) [before.p50Ms, before.p99Ms] = [quantileOf(earlier, 0.5), quantileOf(earlier, 0.99)];
    if (recent === undefined || earlier === undefined || recent.count < MIN_LATENCY_SAMPLES || earlier.count < MIN_LATENCY_SAMPLES) return candidate;
    for (const [q, key] of [[0.5, 'p50'], [0.99, 'p99']] as const) {
      const shift = latencyShift(recent, earlier, q);
      candidate[`${key}Ratio`] = shift.ratio;
      candidate[key] = tested(shift.ratio >= minRatio ? shift.pValue : 1);
    }
    return candidate;
  }

  /** The suspects test on the recent span only: who the recent failures hit. */
  private suspectsOf(candidate: Candidate, epoch: number) {
    if (candidate.after.failures < this.settings.minFailures) return [];
    const spans = readSpans(candidate.counters, candidate.recentSlots, OUTCOME_FAILING, this.settings.minFailures, epoch - this.recentBuckets + 1);
    const { minFailures, minRelativeRisk } = this.settings;
    return scoreSuspects([spans], { minFailures, minRelativeRisk, level: NAME_LEVEL }, true)[0];
  }

  private seriesOf(candidate: Candidate, epoch: number, nowMs: number): ChangeSeries {
    const { counters } = candidate;
    const invocations: number[] = [];
    const failures: number[] = [];
    for (let e = epoch - counters.slots + 1; e <= epoch; e++) {
      const slot = ((e % counters.slots) + counters.slots) % counters.slots;
      const held = counters.slotEpochs[slot] === e;
      invocations.push(held ? counters.totals[slot * COUNTERS] : 0);
      failures.push(held ? counters.totals[slot * COUNTERS + OUTCOME_FAILING] : 0);
    }
    const series: ChangeSeries = { bucketMs: this.bucketMs, firstStartMs: (epoch - counters.slots + 1) * this.bucketMs, invocations, failures };
    const window = this.latency?.peek(candidate.name);
    if (window !== undefined) series.latency = window.stepP99s(nowMs);
    return series;
  }
}

function figures(invocations: number, failures: number): HudSpanFigures {
  return { invocations, failures, failureRate: invocations === 0 ? 0 : failures / invocations };
}
