/** Value of a metric attribute that stands for every value without a label of its own. */
export const OTHER_VALUE = '(other)';
/** Longer values are `'(other)'`: they are ids or free text, not dimensions. */
export const MAX_METRIC_VALUE_LENGTH = 64;
/** Values of one key that have their own label at any moment. */
export const MAX_METRIC_VALUES_PER_KEY = 50;
/**
 * Values of one key that ever had their own label in a process: the kept set changes when a
 * value with a lower hash arrives, and the SDK keeps reporting a value's series after it lost
 * its label (cumulative counters never forget), so this is the key's real bound on series.
 */
export const MAX_METRIC_LABELS_EVER_PER_KEY = 4 * MAX_METRIC_VALUES_PER_KEY;

/**
 * FNV-1a (32 bits) of the UTF-16 code units: the same number in every process, Node version
 * and platform, which is all that matters here (not resistance to crafted input: the set a
 * hostile client can occupy is bounded like any other).
 */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Orders values by hash, ties by text: a total order every instance agrees on. */
function before(hashA: number, textA: string, hashB: number, textB: string): boolean {
  return hashA < hashB || (hashA === hashB && textA < textB);
}

/**
 * Which values of one context key keep their own label on the metrics; the others are
 * `'(other)'`. The choice must not depend on the order values arrive in, or on which
 * instance sees them first, so that every instance of a service labels the same tenants:
 *
 * - with an allow-list (`metrics.values`), exactly the listed values;
 * - otherwise the {@link MAX_METRIC_VALUES_PER_KEY} values with the lowest {@link stableHash}
 *   among those seen (a bottom-k sample of the values: a value keeps its label as long as
 *   fewer than 50 values seen hash below it). A key with at most 50 values keeps them all.
 *   Two instances that saw the same values keep the same set, whatever the order; a value in
 *   the fleet's lowest 50 keeps its label on every instance that sees it.
 *
 * Each change of the set leaves the evicted value's series behind, so after
 * {@link MAX_METRIC_LABELS_EVER_PER_KEY} labels (about 1,000 distinct values seen) the set is
 * frozen: new values are `'(other)'` and `onFrozen` is told once.
 */
export class MetricValueCap {
  private readonly kept = new Map<string, number>();
  private labelsEver = 0;
  private frozen = false;
  /** The kept value with the highest hash: the next one to go. */
  private highestText = '';
  private highestHash = -1;

  constructor(
    private readonly allowed: ReadonlySet<string> | undefined,
    private readonly onFrozen: () => void = () => undefined,
  ) {}

  /** The label of `text`: itself or `'(other)'`. Cheap for a value already kept. */
  label(text: string): string {
    if (this.kept.has(text)) return text;
    if (text.length > MAX_METRIC_VALUE_LENGTH) return OTHER_VALUE;
    if (this.allowed !== undefined) return this.allowed.has(text) ? text : OTHER_VALUE;
    if (this.frozen) return OTHER_VALUE;
    const hash = stableHash(text);
    if (this.kept.size >= MAX_METRIC_VALUES_PER_KEY) {
      if (!before(hash, text, this.highestHash, this.highestText)) return OTHER_VALUE;
      if (this.labelsEver >= MAX_METRIC_LABELS_EVER_PER_KEY) {
        this.frozen = true;
        this.onFrozen();
        return OTHER_VALUE;
      }
      this.kept.delete(this.highestText);
    }
    this.kept.set(text, hash);
    this.labelsEver++;
    this.findHighest();
    return text;
  }

  /** The values that have their own label now (for tests and diagnostics). */
  keptValues(): string[] {
    return [...(this.allowed ?? this.kept.keys())].sort();
  }

  private findHighest(): void {
    this.highestHash = -1;
    for (const [text, hash] of this.kept) {
      if (this.highestHash === -1 || before(this.highestHash, this.highestText, hash, text)) {
        this.highestHash = hash;
        this.highestText = text;
      }
    }
  }
}
