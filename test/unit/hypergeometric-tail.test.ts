// The suspects test's p-value: our exact hypergeometric upper tail against the reference
// implementation (@stdlib, a dev-only dependency) over a grid, and against exact rational
// arithmetic (BigInt) where the tail is too small for 1 - cdf to resolve.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cdf from '@stdlib/stats-base-dists-hypergeometric-cdf';
import { hypergeometricUpperTail, logGamma } from '../../lib/analysis/suspects/hypergeometric.tail.js';

function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

/** P(X >= k) exactly, as a double: sum of C(K,x)C(N-K,n-x) over C(N,n). */
function exactTail(N: number, K: number, n: number, k: number): number {
  let numerator = 0n;
  for (let x = Math.max(k, 0); x <= Math.min(n, K); x++) numerator += choose(K, x) * choose(N - K, n - x);
  const denominator = choose(N, n);
  // scaled so that the quotient keeps about 30 significant digits, however small it is
  const shift = 30 + denominator.toString().length - numerator.toString().length;
  return Number(`${(numerator * 10n ** BigInt(shift)) / denominator}e-${shift}`);
}

describe('hypergeometric upper tail', () => {
  it('ln Γ matches factorials', () => {
    let factorial = 1;
    for (let n = 1; n <= 30; n++) {
      factorial *= n;
      assert.ok(Math.abs(logGamma(n + 1) - Math.log(factorial)) < 1e-12 * Math.max(1, Math.log(factorial)), `ln ${n}!`);
    }
  });

  it('equals 1 - cdf(k - 1) of the reference, and 1 minus its complement, over a grid', () => {
    let compared = 0;
    let referenceUnderflows = 0;
    for (const N of [1, 2, 10, 57, 200, 1000, 5000, 100_000]) {
      for (const K of [0, 1, 3, Math.floor(N / 20), Math.floor(N / 3), N]) {
        for (const n of [0, 1, 5, Math.floor(N / 8), Math.floor(N / 2), N]) {
          if (K > N || n > N) continue;
          const top = Math.min(n, K);
          for (const k of new Set([1, Math.floor(top / 4), Math.floor(top / 2), top - 1, top, top + 1])) {
            if (k < 1) continue;
            const at = `N=${N} K=${K} n=${n} k=${k}`;
            const ours = hypergeometricUpperTail(N, K, n, k);
            assert.ok(ours >= 0 && ours <= 1, `in [0, 1] at ${at}: ${ours}`);
            // X >= k  ⇔  n - X <= n - k, and n - X is hypergeometric with N - K failures
            const complement = hypergeometricUpperTail(N, N - K, n, n - k + 1);
            assert.ok(Math.abs(ours + complement - 1) <= 1e-9, `P(X >= k) + P(X < k) = 1 at ${at}: ${ours} + ${complement}`);
            const lower = cdf(k - 1, N, K, n);
            if (lower === 0 && k - 1 >= Math.max(0, n + K - N)) {
              // the reference underflows (cdf 0 for a count that has positive probability, with
              // the mean far above it): there the complement identity above is the check
              referenceUnderflows++;
              continue;
            }
            const reference = 1 - lower;
            assert.ok(Math.abs(ours - reference) <= 1e-9, `${at}: ours ${ours}, reference ${reference}`);
            compared++;
          }
        }
      }
    }
    assert.ok(compared > 600, `compared ${compared} points with the reference`);
    assert.ok(referenceUnderflows < compared / 20, `${referenceUnderflows} points where the reference underflows`);
  });

  it('keeps tiny tails exact to 1e-9 relative, where 1 - cdf rounds to 0', () => {
    for (const [N, K, n, k] of [
      [80, 10, 10, 9],
      [100, 10, 10, 8],
      [120, 30, 20, 18],
      [200, 20, 40, 20],
      [300, 68, 60, 45],
    ]) {
      const exact = exactTail(N, K, n, k);
      const ours = hypergeometricUpperTail(N, K, n, k);
      assert.ok(exact < 1e-6, `a small tail: ${exact}`);
      assert.ok(Math.abs(ours - exact) <= 1e-9 * exact, `N=${N} K=${K} n=${n} k=${k}: ours ${ours}, exact ${exact}`);
    }
  });

  it('is 1 at or below the lowest possible count and 0 above the highest', () => {
    assert.equal(hypergeometricUpperTail(10, 8, 5, 3), 1); // at least 3 of 5 draws must fail
    assert.equal(hypergeometricUpperTail(10, 2, 5, 3), 0); // only 2 failures exist
    assert.equal(hypergeometricUpperTail(10, 0, 5, 1), 0);
  });
});
