import type { HudContextValue, HudInvocationKind } from '../../context/context-value.types.js';
import { COUNTERS, type CountedValue, type Outcome, OUTCOME_OK, ValueTable } from './value.table.js';

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
  private epoch = -1;

  constructor(
    readonly kind: HudInvocationKind,
    private readonly slots: number,
    private readonly maxKeys: number,
    private readonly maxValuesPerKey: number,
  ) {
    this.totals = new Uint32Array(slots * COUNTERS);
    this.slotEpochs = new Float64Array(slots).fill(-1);
  }

  /** Counts one invocation completed in `epoch`. */
  count(epoch: number, values: Record<string, HudContextValue>, hasKeys: boolean, outcome: Outcome, policy: KeyPolicy): void {
    const slot = this.enter(epoch);
    const base = slot * COUNTERS;
    this.totals[base]++;
    if (outcome !== OUTCOME_OK) this.totals[base + outcome]++;
    if (!hasKeys) return;
    for (const key in values) {
      let table = this.keys.get(key);
      if (table === undefined) {
        if (this.keys.size >= this.maxKeys || !policy(key)) continue;
        table = new ValueTable(this.maxValuesPerKey, this.slots);
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

  /** The slots holding the window that ends in `epoch`. */
  liveSlots(epoch: number): number[] {
    const live: number[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      const held = this.slotEpochs[slot];
      if (held > epoch - this.slots && held <= epoch) live.push(slot);
    }
    return live;
  }

  private enter(epoch: number): number {
    if (epoch > this.epoch) {
      // Clear every slot passed over since the last count (at most all of them).
      for (let e = Math.max(this.epoch + 1, epoch - this.slots + 1); e <= epoch; e++) this.clear(e % this.slots, e);
      this.epoch = epoch;
    }
    return this.epoch % this.slots;
  }

  private clear(slot: number, epoch: number): void {
    const base = slot * COUNTERS;
    this.totals[base] = this.totals[base + 1] = this.totals[base + 2] = 0;
    for (const table of this.keys.values()) table.clearSlot(slot);
    this.slotEpochs[slot] = epoch;
  }
}
