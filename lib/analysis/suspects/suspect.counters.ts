// analysis/suspects/: per-name context value counters and the scoring of values over-represented among failures.
import { LRUCache } from 'lru-cache';
import type { HudContextValue, HudInvocationKind } from '../../context/context-value.types.js';
import type { HudSuspectFilter, HudSuspectReport } from './hud-suspect-report.interface.js';
import type { HudSuspectsOptions } from '../../options/hud-suspects.options.js';
import { type KeyPolicy, NameCounters } from './name.counters.js';
import { scoreValues, type ValueCounts } from './suspect.scorer.js';
import { COUNTERS, OUTCOME_FAILING, OUTCOME_SLOW, type Outcome } from './value.table.js';

/** Buckets of the sliding window: the window moves on by a fifteenth at a time. */
export const WINDOW_SLOTS = 15;

/**
 * Every completed invocation's context values, counted per invocation name in a sliding
 * window, and the suspects read from them. Names are kept in an LRU by last seen
 * (`maxNames`), so a route keyed by raw URL cannot grow memory. Times are `performance.now()`
 * milliseconds, as invocations measure them.
 */
export class SuspectCounters {
  private readonly names: LRUCache<string, NameCounters>;
  private readonly bucketMs: number;
  private readonly policy: KeyPolicy;

  constructor(
    private readonly options: HudSuspectsOptions,
    isRedacted: (key: string) => boolean,
  ) {
    this.names = new LRUCache({ max: options.maxNames });
    this.bucketMs = options.windowMs / WINDOW_SLOTS;
    const only = options.keys === undefined ? undefined : new Set(options.keys);
    this.policy = only === undefined ? (key) => !isRedacted(key) : (key) => only.has(key) && !isRedacted(key);
  }

  /** Counts one invocation. `hasKeys` false (no context) skips the per-key work. */
  count(name: string, kind: HudInvocationKind, values: Record<string, HudContextValue>, hasKeys: boolean, outcome: Outcome, nowMs: number): void {
    let counters = this.names.get(name);
    if (counters === undefined) {
      counters = new NameCounters(kind, WINDOW_SLOTS, this.options.maxKeys, this.options.maxValuesPerKey);
      this.names.set(name, counters);
    }
    counters.count(Math.floor(nowMs / this.bucketMs), values, hasKeys, outcome, this.policy);
  }

  /** One report per name with failures (or slow invocations) in the window, most first. */
  reports(filter: HudSuspectFilter = {}, nowMs = performance.now()): HudSuspectReport[] {
    const trigger = filter.trigger ?? 'failure';
    if (trigger !== 'failure' && trigger !== 'slow') {
      throw new TypeError(`suspects(): trigger must be 'failure' or 'slow', not ${JSON.stringify(trigger)}`);
    }
    const outcome = trigger === 'slow' ? OUTCOME_SLOW : OUTCOME_FAILING;
    const epoch = Math.floor(nowMs / this.bucketMs);
    const reports: HudSuspectReport[] = [];
    const sums = [0, 0, 0];
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
      const values: ValueCounts[] = [];
      for (const [key, table] of counters.keys) {
        for (let row = 1; row < table.values.length; row++) {
          table.sumRow(row, live, sums);
          if (sums[0] > 0) values.push({ key, value: table.values[row], invocations: sums[0], failures: sums[outcome] });
        }
      }
      const suspects = scoreValues(invocations, failures, values, this.options.minFailures);
      reports.push({ name, kind: counters.kind, trigger, windowMs: this.options.windowMs, invocations, failures, suspects });
    }
    return reports.sort((a, b) => b.failures - a.failures || (a.name < b.name ? -1 : 1));
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
