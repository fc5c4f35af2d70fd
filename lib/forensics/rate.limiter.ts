import { LRUCache } from 'lru-cache';

/** Names tracked at most, and the memory their buckets may take (names counted as UTF-16). */
export const MAX_TRACKED_NAMES = 5_000;
export const MAX_TRACKED_BYTES = 1024 * 1024;
/** A bucket and its cache entry, beside the name's own characters. */
const BUCKET_BYTES = 64;

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/** Takes one token from `bucket` after refilling it for the time that passed. */
function take(bucket: Bucket, perSecond: number, burst: number, now: number): boolean {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * perSecond);
  bucket.refilledAt = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

/**
 * A token bucket per invocation name: a storm of one failing route cannot crowd out the
 * records of the others, and records over the rate are counted, never built.
 *
 * Names can come from clients (GraphQL operation names), so a flood of distinct names must
 * neither grow memory nor get a full bucket each: the buckets live in an LRU bounded by
 * count and bytes, and a name without a bucket (new, or evicted) first needs a token from
 * one bucket all such names share, of the same size as a name's own. Distinct names are
 * then limited together like one name, and the names already known keep their own pace.
 */
export class RateLimiter {
  private readonly buckets = new LRUCache<string, Bucket>({
    max: MAX_TRACKED_NAMES,
    maxSize: MAX_TRACKED_BYTES,
    sizeCalculation: (_bucket, name) => BUCKET_BYTES + name.length * 2,
  });
  private readonly newNames: Bucket;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now = performance.now(),
  ) {
    this.newNames = { tokens: burst, refilledAt: now };
  }

  /** Names that currently have a bucket of their own. */
  get trackedNames(): number {
    return this.buckets.size;
  }

  /** Memory the buckets account for, in bytes (see `MAX_TRACKED_BYTES`). */
  get trackedBytes(): number {
    return this.buckets.calculatedSize;
  }

  tryTake(name: string, now = performance.now()): boolean {
    const bucket = this.buckets.get(name);
    if (bucket !== undefined) return take(bucket, this.perSecond, this.burst, now);
    if (!take(this.newNames, this.perSecond, this.burst, now)) return false;
    // A name over the byte bound as a whole is not stored: it keeps going through `newNames`.
    this.buckets.set(name, { tokens: this.burst - 1, refilledAt: now });
    return true;
  }
}
