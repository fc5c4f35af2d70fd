/** The value every value beyond a key's bound is counted under; never reported. */
export const OTHER_VALUE = '(other)';

/** Strings longer than this are counted under `'(other)'`: the table must not hold big strings. */
export const MAX_COUNTED_STRING_LENGTH = 256;

export type CountedValue = string | number | boolean;

/** What one invocation was, for the counters: the index of its counter within a bucket. */
export const OUTCOME_OK = 0;
export const OUTCOME_FAILING = 1;
export const OUTCOME_SLOW = 2;
export type Outcome = typeof OUTCOME_OK | typeof OUTCOME_FAILING | typeof OUTCOME_SLOW;

/** Counters per value and bucket: all, failing, slow. */
export const COUNTERS = 3;

const INITIAL_ROWS = 4;

/**
 * Where the name's counting is at, shared by the tables of its keys: the bucket being
 * counted into, its epoch, the time, and the name's own counts per bucket (what a row
 * admitted now starts from).
 */
export interface CountingCursor {
  slot: number;
  epoch: number;
  nowMs: number;
  readonly totals: Uint32Array;
}

/**
 * The values of one context key of one invocation name: at most `capacity` rows plus
 * `'(other)'` (row 0), each with exact counts per bucket of the window.
 *
 * Which values keep a row is decided by Space-Saving (Metwally et al., 2005) over the
 * sliding window: each row has a weight per bucket, and their sum `W`. A value's arrival adds
 * 1 to its row's weight in the current bucket; a new value, when every row is taken, evicts
 * the row of least `W` (its counts move to `'(other)'`) and keeps that row's weights, which
 * stand for calls that may have been its own and expire bucket by bucket as those calls
 * would; an expiring bucket takes its weights away. So the weights of all rows add up to the
 * key's calls in the window, the least `W` is at most 1/`capacity` of them, and a value that
 * held its row all window has exactly its calls as `W`: if they are more than 1/`capacity`
 * of the key's calls, it is never the one evicted, and its counts stay exact.
 *
 * Each row remembers when it was admitted and the name's counts of that bucket at that
 * instant, so the suspects test compares the value with the name's invocations over the
 * value's own span only.
 */
export class ValueTable {
  /** Row → value; row 0 is `'(other)'`. */
  readonly values: CountedValue[] = [OTHER_VALUE];
  private readonly rows = new Map<CountedValue, number>();
  /** (row × slots + slot) × COUNTERS + outcome. Grows up to capacity + 1 rows. */
  counts: Uint32Array;
  /** row × slots + slot: the row's weight in each bucket (its calls there, plus what it inherited). */
  private weights: Uint32Array;
  /** The sum of each row's weights over the live buckets. */
  private totalWeight: Float64Array;
  /** The epoch of the bucket each row was admitted in. */
  admittedEpoch: Float64Array;
  /** The time each row was admitted (`performance.now()` ms). */
  admittedAtMs: Float64Array;
  /** row × COUNTERS + outcome: the name's counts in the admission bucket just before the row's first call. */
  admittedTotals: Uint32Array;

  constructor(
    private readonly capacity: number,
    private readonly slots: number,
    private readonly cursor: CountingCursor,
  ) {
    const rows = Math.min(INITIAL_ROWS, capacity + 1);
    this.counts = new Uint32Array(rows * slots * COUNTERS);
    this.weights = new Uint32Array(rows * slots);
    this.totalWeight = new Float64Array(rows);
    this.admittedEpoch = new Float64Array(rows);
    this.admittedAtMs = new Float64Array(rows);
    this.admittedTotals = new Uint32Array(rows * COUNTERS);
  }

  /** Counts one invocation holding `value`, in the cursor's bucket (`slot`). */
  add(value: CountedValue, slot: number, outcome: Outcome): void {
    let row = this.rows.get(value);
    if (row === undefined) row = this.admit(value);
    const base = (row * this.slots + slot) * COUNTERS;
    this.counts[base]++;
    if (outcome !== OUTCOME_OK) this.counts[base + outcome]++;
    this.weights[row * this.slots + slot]++;
    this.totalWeight[row]++;
  }

  /** Forgets a bucket about to be reused: its counts and the weights it held. */
  clearSlot(slot: number): void {
    const { counts, weights, totalWeight, slots } = this;
    for (let row = 0; row < this.values.length; row++) {
      const base = (row * slots + slot) * COUNTERS;
      counts[base] = counts[base + 1] = counts[base + 2] = 0;
      totalWeight[row] -= weights[row * slots + slot];
      weights[row * slots + slot] = 0;
    }
  }

  /** One counter of one row in one bucket. */
  count(row: number, slot: number, outcome: number): number {
    return this.counts[(row * this.slots + slot) * COUNTERS + outcome];
  }

  /** The row's weight over the live window (its calls, plus what it inherited when admitted). */
  weightOf(row: number): number {
    return this.totalWeight[row];
  }

  private admit(value: CountedValue): number {
    if (typeof value === 'string' && value.length > MAX_COUNTED_STRING_LENGTH) return 0;
    if (value === OTHER_VALUE) return 0;
    const used = this.values.length;
    let row: number;
    if (used <= this.capacity) {
      if (used * this.slots * COUNTERS >= this.counts.length) this.grow();
      this.values.push(value);
      row = used;
    } else {
      row = this.lightest();
      this.moveToOther(row);
      this.rows.delete(this.values[row]);
      this.values[row] = value;
    }
    this.rows.set(value, row);
    const { cursor } = this;
    this.admittedEpoch[row] = cursor.epoch;
    this.admittedAtMs[row] = cursor.nowMs;
    const from = cursor.slot * COUNTERS;
    for (let i = 0; i < COUNTERS; i++) this.admittedTotals[row * COUNTERS + i] = cursor.totals[from + i];
    return row;
  }

  /** The row of least weight (the first one, on a tie). */
  private lightest(): number {
    const { totalWeight } = this;
    let lightest = 1;
    for (let row = 2; row < this.values.length; row++) if (totalWeight[row] < totalWeight[lightest]) lightest = row;
    return lightest;
  }

  /** An evicted value's counts go to `'(other)'` (row 0); its weights stay with the row. */
  private moveToOther(row: number): void {
    const { counts } = this;
    const size = this.slots * COUNTERS;
    const from = row * size;
    for (let i = 0; i < size; i++) {
      counts[i] += counts[from + i];
      counts[from + i] = 0;
    }
  }

  private grow(): void {
    const rows = Math.min(this.capacity + 1, (this.counts.length / (this.slots * COUNTERS)) * 2);
    const grown = <T extends Uint32Array | Float64Array>(old: T, make: (length: number) => T, perRow: number): T => {
      const array = make(rows * perRow);
      array.set(old);
      return array;
    };
    const u32 = (length: number) => new Uint32Array(length);
    const f64 = (length: number) => new Float64Array(length);
    this.counts = grown(this.counts, u32, this.slots * COUNTERS);
    this.weights = grown(this.weights, u32, this.slots);
    this.totalWeight = grown(this.totalWeight, f64, 1);
    this.admittedEpoch = grown(this.admittedEpoch, f64, 1);
    this.admittedAtMs = grown(this.admittedAtMs, f64, 1);
    this.admittedTotals = grown(this.admittedTotals, u32, COUNTERS);
  }
}
