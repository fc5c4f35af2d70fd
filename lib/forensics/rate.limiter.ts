const MAX_TRACKED_NAMES = 10_000;

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * A token bucket per invocation name: a storm of one failing route cannot crowd out the
 * records of the others, and records over the rate are counted, never built.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  tryTake(name: string, now = performance.now()): boolean {
    let bucket = this.buckets.get(name);
    if (bucket === undefined) {
      // Many distinct names (e.g. a route keyed by raw URL) must not grow memory without bound.
      if (this.buckets.size >= MAX_TRACKED_NAMES) this.buckets.clear();
      bucket = { tokens: this.burst, refilledAt: now };
      this.buckets.set(name, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * this.perSecond);
      bucket.refilledAt = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
