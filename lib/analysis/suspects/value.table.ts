/** The value every value beyond a key's bound is counted under; never reported. */
export const OTHER_VALUE = '(other)';

/** Strings longer than this are counted under `'(other)'`: the table must not hold big strings. */
export const MAX_COUNTED_STRING_LENGTH = 256;

export type CountedValue = string | number | boolean;

/** What one invocation was, for the counters: the index of its counter within a slot. */
export const OUTCOME_OK = 0;
export const OUTCOME_FAILING = 1;
export const OUTCOME_SLOW = 2;
export type Outcome = typeof OUTCOME_OK | typeof OUTCOME_FAILING | typeof OUTCOME_SLOW;

/** Counters per value and slot: all, failing, slow. */
export const COUNTERS = 3;

const INITIAL_ROWS = 4;

/**
 * The values of one context key of one invocation name, at most `capacity` of them plus
 * `'(other)'` (row 0), each with its counts per window slot in one flat typed array.
 *
 * Which values are kept is decided by Space-Saving (Metwally et al., 2005): a new value takes
 * the row of the value with the smallest weight, inherits that weight, and the evicted
 * value's counts move to `'(other)'`. Any value more frequent than 1/capacity of the traffic
 * is thus guaranteed a row. The weight only ranks values; the counts a row holds are exact
 * since the value got it, and the test uses only those (eviction looks at traffic, never at
 * failures, so it cannot bias the test). A tiny structure of our own rather than a top-k
 * library: none keeps per-slot exact counts beside the rank, or reuses rows without
 * allocating on the request path.
 */
export class ValueTable {
  /** Row → value; row 0 is `'(other)'`. */
  readonly values: CountedValue[] = [OTHER_VALUE];
  private readonly rows = new Map<CountedValue, number>();
  /** (row × slots + slot) × COUNTERS + outcome. Grows up to capacity + 1 rows. */
  counts: Uint32Array;
  /** Windowed count of all invocations per row, plus what the row inherited when taken. */
  private weights: Float64Array;

  constructor(
    private readonly capacity: number,
    private readonly slots: number,
  ) {
    const rows = Math.min(INITIAL_ROWS, capacity + 1);
    this.counts = new Uint32Array(rows * slots * COUNTERS);
    this.weights = new Float64Array(rows);
  }

  add(value: CountedValue, slot: number, outcome: Outcome): void {
    let row = this.rows.get(value);
    if (row === undefined) row = this.admit(value);
    const base = (row * this.slots + slot) * COUNTERS;
    this.counts[base]++;
    if (outcome !== OUTCOME_OK) this.counts[base + outcome]++;
    this.weights[row]++;
  }

  /** Forgets a slot about to be reused for a new bucket. */
  clearSlot(slot: number): void {
    const { counts, weights, slots } = this;
    for (let row = 0; row < this.values.length; row++) {
      const base = (row * slots + slot) * COUNTERS;
      // The inherited part of a weight fades at the pace the window forgets counts.
      weights[row] = Math.max(0, weights[row] - counts[base] - weights[row] / slots);
      counts[base] = counts[base + 1] = counts[base + 2] = 0;
    }
  }

  private admit(value: CountedValue): number {
    if (typeof value === 'string' && value.length > MAX_COUNTED_STRING_LENGTH) return 0;
    if (value === OTHER_VALUE) return 0;
    const used = this.values.length;
    if (used <= this.capacity) {
      if (used * this.slots * COUNTERS >= this.counts.length) this.grow();
      this.values.push(value);
      this.rows.set(value, used);
      return used;
    }
    // Full: evict the lightest row.
    let lightest = 1;
    for (let row = 2; row < used; row++) if (this.weights[row] < this.weights[lightest]) lightest = row;
    const { counts, slots } = this;
    const from = lightest * slots * COUNTERS;
    for (let i = 0; i < slots * COUNTERS; i++) {
      counts[i] += counts[from + i]; // row 0, '(other)', starts at index 0
      counts[from + i] = 0;
    }
    this.rows.delete(this.values[lightest]);
    this.values[lightest] = value;
    this.rows.set(value, lightest);
    return lightest;
  }

  private grow(): void {
    const rows = Math.min(this.capacity + 1, (this.counts.length / (this.slots * COUNTERS)) * 2);
    const counts = new Uint32Array(rows * this.slots * COUNTERS);
    counts.set(this.counts);
    const weights = new Float64Array(rows);
    weights.set(this.weights);
    this.counts = counts;
    this.weights = weights;
  }

  /** Sums of one row over the live slots: [all, failing, slow]. */
  sumRow(row: number, live: readonly number[], into: number[]): number[] {
    into[0] = into[1] = into[2] = 0;
    for (const slot of live) {
      const base = (row * this.slots + slot) * COUNTERS;
      into[0] += this.counts[base];
      into[1] += this.counts[base + 1];
      into[2] += this.counts[base + 2];
    }
    return into;
  }
}
