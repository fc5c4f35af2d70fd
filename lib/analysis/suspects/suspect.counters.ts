// analysis/suspects/: per-name context value counters and the scoring of values over-represented among failures.
import { LRUCache } from 'lru-cache';
import type { HudContextValue, HudInvocationKind } from '../../context/context-value.types.js';
import type { Invocation } from '../../context/invocation.js';
import type { ForensicsTrigger } from '../../forensics/forensics-record.interface.js';
import type { InvocationObserver } from '../invocation.analysis.js';
import type { HudSuspectFilter, HudSuspectReport } from './hud-suspect-report.interface.js';
import type { HudSuspectsOptions } from '../../options/hud-suspects.options.js';
import { type KeyPolicy, NameCounters } from './name.counters.js';
import { NAME_LEVEL, scoreSuspects, SERVICE_LEVEL } from './suspect.scorer.js';
import { COUNTERS, OUTCOME_FAILING, OUTCOME_OK, OUTCOME_SLOW, type Outcome } from './value.table.js';
import { readSpans, type ValueSpan } from './value.span.js';

/** Buckets of the sliding window: the window moves on by a fifteenth at a time. */
export const WINDOW_SLOTS = 15;

/**
 * Every completed invocation's context values, counted per invocation name in a sliding
 * window, and the suspects read from them. Names are kept in an LRU by last seen
 * (`maxNames`), so a route keyed by raw URL cannot grow memory. Times are `performance.now()`
 * milliseconds, as invocations measure them.
 */
export class SuspectCounters implements InvocationObserver {
  private readonly names: LRUCache<string, NameCounters>;
  /** The length of a bucket of the window: `windowMs / WINDOW_SLOTS`. */
  readonly bucketMs: number;
  /** False when only the names' own counts are kept (`keys: []`: the suspects are off, what changed is on). */
  private readonly countsValues: boolean;
  private readonly policy: KeyPolicy;

  constructor(
    private readonly options: HudSuspectsOptions,
    isRedacted: (key: string) => boolean,
  ) {
    this.names = new LRUCache({ max: options.maxNames });
    this.bucketMs = options.windowMs / WINDOW_SLOTS;
    this.countsValues = options.keys === undefined || options.keys.length > 0;
    const only = options.keys === undefined ? undefined : new Set(options.keys);
    this.policy = only === undefined ? (key) => !isRedacted(key) : (key) => only.has(key) && !isRedacted(key);
  }

  /**
   * Counts a completed invocation: a trigger other than `duration` is a failure (`error`,
   * `status`, `failure`), `duration` is slow.
   */
  observe(invocation: Invocation, trigger: ForensicsTrigger | undefined): void {
    const outcome = trigger === undefined ? OUTCOME_OK : trigger === 'duration' ? OUTCOME_SLOW : OUTCOME_FAILING;
    const nowMs = invocation.startedAtMs + invocation.durationMs;
    this.count(invocation.name, invocation.kind, invocation.values, invocation.keyCount > 0, outcome, nowMs);
  }

  /** Counts one invocation. `hasKeys` false (no context) skips the per-key work. */
  count(name: string, kind: HudInvocationKind, values: Record<string, HudContextValue>, hasKeys: boolean, outcome: Outcome, nowMs: number): void {
    let counters = this.names.get(name);
    if (counters === undefined) {
      counters = new NameCounters(kind, WINDOW_SLOTS, this.options.maxKeys, this.options.maxValuesPerKey);
      this.names.set(name, counters);
    }
    counters.count(Math.floor(nowMs / this.bucketMs), nowMs, values, hasKeys && this.countsValues, outcome, this.policy);
  }

  /**
   * One report per name with failures (or slow invocations) in the window, most first. The
   * p-values are adjusted for every value tested: of the one name asked for (suspects under
   * 0.01), or of every name (suspects under 0.001). `level` replaces that level (for the
   * simulations that measure what another level would do).
   */
  reports(filter: HudSuspectFilter = {}, nowMs = performance.now(), level?: number): HudSuspectReport[] {
    const trigger = filter.trigger ?? 'failure';
    if (trigger !== 'failure' && trigger !== 'slow') {
      throw new TypeError(`suspects(): trigger must be 'failure' or 'slow', not ${JSON.stringify(trigger)}`);
    }
    const outcome = trigger === 'slow' ? OUTCOME_SLOW : OUTCOME_FAILING;
    const epoch = Math.floor(nowMs / this.bucketMs);
    const reports: HudSuspectReport[] = [];
    const spans: ValueSpan[][] = [];
    // entries() does not refresh recency: reading is not "seeing" a name.
    for (const [name, counters] of this.names.entries()) {
      if (filter.name !== undefined && name !== filter.name) continue;
      const live = counters.liveSlots(epoch);
      let invocations = 0;
      let failures = 0;
      for (const slot of live) {
        invocations += counters.totals[slot * COUNTERS];
        failures += counters.totals[slot * COUNTERS + outcome];
      }
      if (failures === 0) continue;
      reports.push({ name, kind: counters.kind, trigger, windowMs: this.options.windowMs, invocations, failures, suspects: [] });
      spans.push(failures < this.options.minFailures ? [] : readSpans(counters, live, outcome, this.options.minFailures, epoch - WINDOW_SLOTS + 1));
    }
    const oneName = filter.name !== undefined;
    const { minFailures, minRelativeRisk } = this.options;
    const found = scoreSuspects(spans, { minFailures, minRelativeRisk, level: level ?? (oneName ? NAME_LEVEL : SERVICE_LEVEL) }, oneName);
    reports.forEach((report, i) => {
      report.suspects = found[i];
    });
    return reports.sort((a, b) => b.failures - a.failures || (a.name < b.name ? -1 : 1));
  }

  /** Every name counted, with its counters (least recently seen last); reading does not refresh recency. */
  entries(): IterableIterator<[string, NameCounters]> {
    return this.names.entries();
  }

  /** How much is held, for tests of the bounds. */
  size(): { names: number; keys: number; maxKeysPerName: number; maxValuesPerKey: number } {
    let keys = 0;
    let maxKeysPerName = 0;
    let maxValuesPerKey = 0;
    for (const counters of this.names.values()) {
      keys += counters.keys.size;
      maxKeysPerName = Math.max(maxKeysPerName, counters.keys.size);
      for (const table of counters.keys.values()) maxValuesPerKey = Math.max(maxValuesPerKey, table.values.length);
    }
    return { names: this.names.size, keys, maxKeysPerName, maxValuesPerKey };
  }
}
