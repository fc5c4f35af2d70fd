import type { NameCounters } from './name.counters.js';
import type { Strata } from './stratified.tail.js';
import { COUNTERS, type CountedValue } from './value.table.js';

/**
 * One tracked value's counts over its span (the buckets since it got its row, or the whole
 * window), bucket by bucket, beside the name's counts over exactly the same invocations'
 * time: in the bucket the row was admitted in, the name's counts from that instant on.
 */
export interface ValueSpan extends Strata {
  key: string;
  value: CountedValue;
  /** `performance.now()` ms the span starts, when it starts later than the name's own counts in the window. */
  sinceMs: number | undefined;
  /** When the value got its row: the first seen of values that are one comes first. */
  admittedAtMs: number;
  /** The value's invocations and failing (or slow) ones over the span. */
  invocations: number;
  failures: number;
  /** The name's over the same span. */
  spanInvocations: number;
  spanFailures: number;
  /** Failures the value would have if, bucket by bucket, it failed as often as the name. */
  expectedFailures: number;
  /** Per bucket of the span, oldest first: the name's invocations, its failing ones, the value's invocations and its failing ones. */
  total: number[];
  failing: number[];
  drawn: number[];
  hit: number[];
}

/**
 * Every tracked value of a name with at least `minCalls` invocations in its span, read from
 * the buckets `live` (oldest first), which start with the epoch `oldest`: the window, or its
 * recent part. `outcome` says which counter is "failing" (failures or slow invocations).
 */
export function readSpans(counters: NameCounters, live: readonly number[], outcome: number, minCalls: number, oldest: number): ValueSpan[] {
  const { totals, slotEpochs } = counters;
  const spans: ValueSpan[] = [];
  for (const [key, table] of counters.keys) {
    for (let row = 1; row < table.values.length; row++) {
      const admitted = table.admittedEpoch[row];
      const partial = admitted >= oldest;
      let invocations = 0;
      let before = 0; // the name's invocations in the window before the span
      for (const slot of live) {
        if (partial && slotEpochs[slot] < admitted) before += totals[slot * COUNTERS];
        else invocations += table.count(row, slot, 0);
      }
      if (invocations < minCalls) continue;
      const total: number[] = [];
      const failing: number[] = [];
      const drawn: number[] = [];
      const hit: number[] = [];
      let hits = 0;
      let spanInvocations = 0;
      let spanFailures = 0;
      let expectedFailures = 0;
      for (const slot of live) {
        if (partial && slotEpochs[slot] < admitted) continue;
        let calls = totals[slot * COUNTERS];
        let nameFailing = totals[slot * COUNTERS + outcome];
        if (partial && slotEpochs[slot] === admitted) {
          calls -= table.admittedTotals[row * COUNTERS];
          nameFailing -= table.admittedTotals[row * COUNTERS + outcome];
          before += table.admittedTotals[row * COUNTERS];
        }
        const own = table.count(row, slot, 0);
        total.push(calls);
        failing.push(nameFailing);
        drawn.push(own);
        const ownFailing = table.count(row, slot, outcome);
        hit.push(ownFailing);
        hits += ownFailing;
        spanInvocations += calls;
        spanFailures += nameFailing;
        if (own > 0) expectedFailures += (own * nameFailing) / calls;
      }
      spans.push({
        key,
        value: table.values[row],
        sinceMs: partial && before > 0 ? table.admittedAtMs[row] : undefined,
        admittedAtMs: table.admittedAtMs[row],
        invocations,
        failures: hits,
        spanInvocations,
        spanFailures,
        expectedFailures,
        total,
        failing,
        drawn,
        hit,
      });
    }
  }
  return spans;
}
