// Helpers of the simulation scripts: a seeded binomial sampler, exact (Clopper–Pearson)
// confidence intervals and the textbook two-proportion z-test the suspects test is compared with.
import { logChoose } from '../../lib/analysis/suspects/hypergeometric.tail.js';

export type Random = () => number;

/** A standard normal deviate (Box–Muller). */
export function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Binomial(n, p): exact by inversion while n·min(p, 1 - p) is small, else the normal
 * approximation with a continuity correction (traffic for the simulations, not the test).
 */
export function binomial(random: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const flip = p > 0.5;
  const q = flip ? 1 - p : p;
  let k: number;
  if (n * q < 40) {
    // inversion: walk the cdf from 0 (expected n·q steps)
    const u = random();
    let pmf = Math.exp(n * Math.log1p(-q));
    let cdf = pmf;
    k = 0;
    while (u > cdf && k < n) {
      pmf *= ((n - k) / (k + 1)) * (q / (1 - q));
      cdf += pmf;
      k++;
    }
  } else {
    k = Math.round(n * q + Math.sqrt(n * q * (1 - q)) * normal(random));
    k = Math.min(n, Math.max(0, k));
  }
  return flip ? n - k : k;
}

function binomialUpperTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let sum = 0;
  for (let x = k; x <= n; x++) {
    const term = Math.exp(logChoose(n, x) + x * Math.log(p) + (n - x) * Math.log1p(-p));
    sum += term;
    if (x > n * p && term < sum * 1e-17) break;
  }
  return Math.min(1, sum);
}

/** The exact 95 % interval of a proportion `k / n` (Clopper–Pearson, by bisection on the binomial tails). */
export function clopperPearson(k: number, n: number, confidence = 0.95): [number, number] {
  const tail = (1 - confidence) / 2;
  const solve = (test: (p: number) => boolean) => {
    let low = 0;
    let high = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (low + high) / 2;
      if (test(mid)) high = mid;
      else low = mid;
    }
    return (low + high) / 2;
  };
  const lower = k === 0 ? 0 : solve((p) => binomialUpperTail(n, k, p) >= tail);
  const upper = k === n ? 1 : solve((p) => 1 - binomialUpperTail(n, k + 1, p) <= tail);
  return [lower, upper];
}

/** `12 of 1,440 (0.83 %, 95 % CI 0.43–1.45 %)` */
export function proportionText(k: number, n: number): string {
  const [low, high] = clopperPearson(k, n);
  const pct = (value: number) => `${(value * 100).toFixed(value < 0.01 ? 2 : 1)}`;
  return `${k.toLocaleString('en')} of ${n.toLocaleString('en')} (${pct(k / n)} %, 95 % CI ${pct(low)}–${pct(high)} %)`;
}

/** The quantile of the standard normal distribution (Acklam's rational approximation, 1e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * The one-sided pooled two-proportion z-test: does the group of `n1` calls with `x1` failures
 * fail more than the `n2` others with `x2`? True when z exceeds the (1 - level) quantile.
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number, level: number): boolean {
  if (n1 === 0 || n2 === 0) return false;
  const pooled = (x1 + x2) / (n1 + n2);
  if (pooled === 0 || pooled === 1) return false;
  const z = (x1 / n1 - x2 / n2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return z > normalQuantile(1 - level);
}
