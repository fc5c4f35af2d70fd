import { hypergeometricUpperTail } from '../suspects/hypergeometric.tail.js';
import { quantileOf, type Sketch } from './latency.window.js';

/**
 * How many of a sketch's values lie above `value`, found by bisection on its quantiles: exact
 * but for values in the same bin as `value` (within the sketch's 2 % accuracy).
 */
export function countAbove(sketch: Sketch, value: number): number {
  const { count } = sketch;
  if (count === 0 || sketch.getValueAtQuantile(1) <= value) return 0;
  if (sketch.getValueAtQuantile(0) > value) return count;
  let low = 0; // value(low) <= value
  let high = 1; // value(high) > value
  for (let i = 0; i < 50 && (high - low) * (count - 1) > 0.5; i++) {
    const mid = (low + high) / 2;
    if (sketch.getValueAtQuantile(mid) <= value) low = mid;
    else high = mid;
  }
  return count - Math.ceil(high * (count - 1) - 1e-9);
}

/** A rise of one quantile between two sides: the ratio of the quantiles, and how unlikely the rise is by chance. */
export interface LatencyShift {
  /** The recent quantile / the earlier one. */
  ratio: number;
  /**
   * One-sided exact p-value of the recent calls above the earlier quantile: with `r` earlier
   * calls above it, at least `x` of the recent ones are as likely as at least `x` of them
   * among the top `x + r` of all calls if both sides were one population (hypergeometric).
   */
  pValue: number;
}

/**
 * Compares the recent latencies with the earlier ones at quantile `q` (0.5 or 0.99): the
 * ratio of the two quantiles, and the exact exceedance test above. No distribution is
 * assumed: only ranks are compared.
 */
export function latencyShift(recent: Sketch, earlier: Sketch, q: number): LatencyShift {
  const before = quantileOf(earlier, q);
  const after = quantileOf(recent, q);
  const ratio = before > 0 ? after / before : after > 0 ? Infinity : 1;
  const above = countAbove(recent, before);
  const earlierAbove = countAbove(earlier, before);
  const total = recent.count + earlier.count;
  return { ratio, pValue: above === 0 ? 1 : hypergeometricUpperTail(total, recent.count, above + earlierAbove, above) };
}
