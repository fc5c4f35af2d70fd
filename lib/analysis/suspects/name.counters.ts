import type { HudContextValue, HudInvocationKind } from '../../context/context-value.types.js';
import { COUNTERS, type CountedValue, type CountingCursor, type Outcome, OUTCOME_OK, ValueTable } from './value.table.js';

/** Decides whether a key of a name is counted (not redacted, in `keys` when given). */
export type KeyPolicy = (key: string) => boolean;

/**
 * The counts of one invocation name in a sliding window of `slots` buckets: its invocations
 * (all, failing, slow) and, per tracked key, a `ValueTable`. A bucket is `epoch % slots`;
 * moving into a new epoch clears the buckets passed over, so every slot holds one of the
 * last `slots` epochs and nothing needs a timer.
 */
export class NameCounters {
  readonly totals: Uint32Array;
  /** The epoch each slot holds (-1: never used). */
  readonly slotEpochs: Float64Array;
  readonly keys = new Map<string, ValueTable>();
  /** Shared with the key tables: what a row admitted now starts from. */
  private readonly cursor: CountingCursor;

  constructor(
    readonly kind: HudInvocationKind,
    readonly slots: number,
    private readonly maxKeys: number,
    private readonly maxValuesPerKey: number,
  ) {
    this.totals = new Uint32Array(slots * COUNTERS);
    this.slotEpochs = new Float64Array(slots).fill(-1);
    this.cursor = { slot: 0, epoch: -1, nowMs: 0, totals: this.totals };
  }

  /**
   * Counts one invocation completed at `nowMs`, in `epoch`. The name's own counts go last,
   * so that a row admitted by this invocation starts from the counts just before it.
   */
  count(epoch: number, nowMs: number, values: Record<string, HudContextValue>, hasKeys: boolean, outcome: Outcome, policy: KeyPolicy): void {
    const slot = this.enter(epoch);
    this.cursor.nowMs = nowMs;
    if (hasKeys) {
      for (const key in values) {
        let table = this.keys.get(key);
        if (table === undefined) {
          if (this.keys.size >= this.maxKeys || !policy(key)) continue;
          table = new ValueTable(this.maxValuesPerKey, this.slots, this.cursor);
          this.keys.set(key, table);
        }
        const value = values[key];
        if (!Array.isArray(value)) {
          table.add(value, slot, outcome);
          continue;
        }
        // Each item once: ['beta', 'beta'] is one invocation holding 'beta'.
        const items = value as readonly CountedValue[];
        for (let i = 0; i < items.length; i++) {
          const item = items[i];
          if (i === 0 || items.indexOf(item) === i) table.add(item, slot, outcome);
        }
      }
    }
    const base = slot * COUNTERS;
    this.totals[base]++;
    if (outcome !== OUTCOME_OK) this.totals[base + outcome]++;
  }

  /** The slots holding the window that ends in `epoch`, oldest first. */
  liveSlots(epoch: number): number[] {
    const live: number[] = [];
    for (let e = epoch - this.slots + 1; e <= epoch; e++) {
      const slot = ((e % this.slots) + this.slots) % this.slots;
      if (this.slotEpochs[slot] === e) live.push(slot);
    }
    return live;
  }

  private enter(epoch: number): number {
    const cursor = this.cursor;
    if (epoch > cursor.epoch) {
      // Clear every slot passed over since the last count (at most all of them).
      for (let e = Math.max(cursor.epoch + 1, epoch - this.slots + 1); e <= epoch; e++) this.clear(e % this.slots, e);
      cursor.epoch = epoch;
      cursor.slot = epoch % this.slots;
    }
    return cursor.slot;
  }

  private clear(slot: number, epoch: number): void {
    const base = slot * COUNTERS;
    this.totals[base] = this.totals[base + 1] = this.totals[base + 2] = 0;
    for (const table of this.keys.values()) table.clearSlot(slot);
    this.slotEpochs[slot] = epoch;
  }
}
