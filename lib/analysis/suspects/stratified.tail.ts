import { hypergeometricPmf, hypergeometricUpperTail } from './hypergeometric.tail.js';

/**
 * Steps (multiply-adds) the exact sum may take for one value: about 5 ms. Beyond it the
 * Chernoff bound stands in (see `stratifiedUpperTail`).
 */
export const EXACT_STEP_BUDGET = 4_000_000;

/** One bucket of a value's span: the name's calls and failures there, and the value's calls. */
export interface Strata {
  /** The name's invocations per bucket. */
  readonly total: ArrayLike<number>;
  /** The name's failing (or slow) invocations per bucket. */
  readonly failing: ArrayLike<number>;
  /** The value's invocations per bucket. */
  readonly drawn: ArrayLike<number>;
}

/**
 * The suspects test, stratified by bucket: how likely are at least `hits` failures among
 * a value's invocations if, within each bucket, they were as likely to fail as the name's
 * other invocations of that bucket? The count is a sum of independent hypergeometric counts,
 * one per bucket (the Mantel–Haenszel setting, computed exactly rather than by its normal
 * approximation): its distribution is convolved bucket by bucket, with every sum at or
 * above `hits` kept as one lumped state, so the cost is `hits` × the range of each bucket's
 * count, with no cancellation and nothing cut off but terms that underflow a double.
 *
 * Comparing within buckets is what keeps time from confounding the test: a client whose
 * calls all fell inside a global outage is compared with the other calls of those minutes,
 * not with the calm before and after.
 *
 * Beyond `EXACT_STEP_BUDGET` steps (a value with thousands of failures far above what the
 * buckets predict), the Chernoff bound of the same sum is returned instead: it is never
 * smaller than the exact tail (a hypergeometric count is dominated in convex order by the
 * binomial one, Hoeffding 1963), so it can only make a value look less suspicious, and at
 * such counts it is far below any threshold anyway.
 */
export function stratifiedUpperTail(strata: Strata, hits: number, budget = EXACT_STEP_BUDGET): number {
  const { total, failing: failures, drawn } = strata;
  let lowest = 0;
  let highest = 0;
  let varying = 0;
  let only = -1;
  for (let b = 0; b < drawn.length; b++) {
    if (drawn[b] === 0) continue;
    const lo = Math.max(0, drawn[b] + failures[b] - total[b]);
    const hi = Math.min(drawn[b], failures[b]);
    lowest += lo;
    highest += hi;
    if (hi > lo) {
      varying++;
      only = b;
    }
  }
  if (hits <= lowest) return 1;
  if (hits > highest) return 0;
  if (varying === 1) {
    const lo = Math.max(0, drawn[only] + failures[only] - total[only]);
    return hypergeometricUpperTail(total[only], failures[only], drawn[only], hits - (lowest - lo));
  }
  const target = hits - lowest; // in counts above each bucket's lowest
  let steps = 0;
  for (let b = 0; b < drawn.length; b++) {
    if (drawn[b] === 0) continue;
    const range = Math.min(drawn[b], failures[b]) - Math.max(0, drawn[b] + failures[b] - total[b]);
    if (range > 0) steps += (target + 1) * (Math.min(range, target) + 1);
  }
  if (steps > budget) return chernoffBound(strata, hits);
  return convolvedTail(strata, target);
}

/** P(Σ (X_b - lowest_b) >= target), by convolution with the sums >= target lumped. */
function convolvedTail(strata: Strata, target: number): number {
  const { total, failing: failures, drawn } = strata;
  let dist = new Float64Array(target + 1);
  let next = new Float64Array(target + 1);
  dist[0] = 1;
  let reach = 0; // the highest index of dist that may be non-zero
  for (let b = 0; b < drawn.length; b++) {
    if (drawn[b] === 0) continue;
    const lo = Math.max(0, drawn[b] + failures[b] - total[b]);
    const range = Math.min(drawn[b], failures[b]) - lo;
    if (range === 0) continue;
    const length = Math.min(range, target) + 1;
    const pmf = hypergeometricPmf(total[b], failures[b], drawn[b], lo, new Float64Array(length));
    // the last entry stands for every count from there on when the range reaches past target
    if (range > target) pmf[length - 1] = hypergeometricUpperTail(total[b], failures[b], drawn[b], lo + target);
    next.fill(0);
    for (let i = 0; i <= reach; i++) {
      const p = dist[i];
      if (p === 0) continue;
      const room = target - i; // j >= room lands in the lumped state
      for (let j = 0; j < length; j++) next[j < room ? i + j : target] += p * pmf[j];
    }
    reach = Math.min(target, reach + length - 1);
    [dist, next] = [next, dist];
  }
  return Math.min(1, dist[target]);
}

/**
 * min over t >= 0 of exp(-t·hits) · Π_b (1 - q_b + q_b·e^t)^drawn_b, q_b = failures_b / total_b:
 * an upper bound of the tail (bisection on the derivative, in logs).
 */
export function chernoffBound(strata: Strata, hits: number): number {
  const { total, failing: failures, drawn } = strata;
  let expected = 0;
  for (let b = 0; b < drawn.length; b++) if (drawn[b] > 0) expected += (drawn[b] * failures[b]) / total[b];
  if (hits <= expected) return 1;
  const logMgf = (t: number) => {
    let sum = 0;
    for (let b = 0; b < drawn.length; b++) {
      if (drawn[b] === 0) continue;
      const q = failures[b] / total[b];
      // ln(1 - q + q e^t) = t + ln(q + (1 - q) e^-t), stable for large t
      sum += drawn[b] * (t + Math.log(q + (1 - q) * Math.exp(-t)));
    }
    return sum;
  };
  const slope = (t: number) => {
    let sum = -hits;
    for (let b = 0; b < drawn.length; b++) {
      if (drawn[b] === 0) continue;
      const q = failures[b] / total[b];
      sum += (drawn[b] * q) / (q + (1 - q) * Math.exp(-t));
    }
    return sum;
  };
  let low = 0;
  let high = 1;
  while (slope(high) < 0 && high < 745) high *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (slope(mid) < 0) low = mid;
    else high = mid;
  }
  return Math.min(1, Math.exp(logMgf(high) - high * hits));
}
