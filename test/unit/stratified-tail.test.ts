// The suspects test stratified by bucket: the exact tail of a sum of independent hypergeometric
// counts, against exact rational arithmetic (BigInt convolution of the numerators), against
// the one-bucket tail, and its Chernoff fallback against the exact value (never below it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hypergeometricUpperTail } from '../../lib/analysis/suspects/hypergeometric.tail.js';
import { chernoffBound, stratifiedUpperTail, type Strata } from '../../lib/analysis/suspects/stratified.tail.js';
import { holmAdjust } from '../../lib/analysis/suspects/holm.adjustment.js';
import { seededRandom } from '../reliability/support/random.js';

function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

/** P(Σ X_b >= hits) exactly: the numerators C(K,x)C(N-K,n-x) convolved as BigInt, over Π C(N,n). */
function exactStratifiedTail(strata: Strata, hits: number): number {
  let poly: bigint[] = [1n];
  let denominator = 1n;
  for (let b = 0; b < strata.drawn.length; b++) {
    const [N, K, n] = [strata.total[b], strata.failing[b], strata.drawn[b]];
    const terms = Array.from({ length: Math.min(n, K) + 1 }, (_, x) => choose(K, x) * choose(N - K, n - x));
    const next = new Array<bigint>(poly.length + terms.length - 1).fill(0n);
    poly.forEach((a, i) => terms.forEach((c, j) => (next[i + j] += a * c)));
    poly = next;
    denominator *= choose(N, n);
  }
  let numerator = 0n;
  for (let s = Math.max(0, hits); s < poly.length; s++) numerator += poly[s];
  if (numerator === 0n) return 0;
  const shift = 30 + denominator.toString().length - numerator.toString().length;
  return Number(`${(numerator * 10n ** BigInt(shift)) / denominator}e-${shift}`);
}

/** Random strata: `count` buckets of up to `maxTotal` invocations. */
function randomStrata(random: () => number, count: number, maxTotal: number): { total: number[]; failing: number[]; drawn: number[]; expected: number } {
  const total: number[] = [];
  const failing: number[] = [];
  const drawn: number[] = [];
  let expected = 0;
  for (let b = 0; b < count; b++) {
    const N = 1 + Math.floor(random() * maxTotal);
    const K = Math.floor(random() * random() * (N + 1));
    const n = Math.floor(random() * (N + 1));
    total.push(N);
    failing.push(K);
    drawn.push(n);
    expected += (n * K) / N;
  }
  return { total, failing, drawn, expected };
}

describe('stratified hypergeometric tail', () => {
  it('equals the exact rational value over 300 random sets of strata, tails down to 1e-30', () => {
    const random = seededRandom(20260701);
    let compared = 0;
    let tiny = 0;
    for (let round = 0; round < 300; round++) {
      const strata = randomStrata(random, 1 + Math.floor(random() * 8), round % 3 === 0 ? 150 : 40);
      const highest = strata.drawn.reduce((sum, n, b) => sum + Math.min(n, strata.failing[b]), 0);
      for (const hits of new Set([0, Math.ceil(strata.expected), Math.ceil(strata.expected) + 2, Math.floor((strata.expected + highest) / 2), highest, highest + 1])) {
        const exact = exactStratifiedTail(strata, hits);
        const ours = stratifiedUpperTail(strata, hits);
        const at = `strata ${JSON.stringify(strata)} hits ${hits}`;
        if (exact === 0) assert.equal(ours, 0, at);
        else assert.ok(Math.abs(ours - exact) <= 1e-9 * exact, `${at}: ours ${ours}, exact ${exact}`);
        compared++;
        if (exact > 0 && exact < 1e-30) tiny++;
      }
    }
    assert.ok(compared > 1000 && tiny > 10, `${compared} points, ${tiny} of them below 1e-30`);
  });

  it('is the plain hypergeometric tail when one bucket varies (the others fixed or empty)', () => {
    const strata: Strata = { total: [100, 50, 30, 20], failing: [10, 0, 30, 7], drawn: [0, 20, 4, 9] };
    // bucket 1: no failure (X = 0); bucket 2: every call fails (X = 4); bucket 3 varies
    for (let hits = 0; hits <= 12; hits++) {
      assert.equal(stratifiedUpperTail(strata, hits), hypergeometricUpperTail(20, 7, 9, hits - 4), `hits ${hits}`);
    }
  });

  it('compares within buckets: a value whose calls all fell in a bucket of failures is not over-represented', () => {
    // 15 buckets; the value's 20 calls all in bucket 7, where 30 % of the name's calls failed
    const total = Array(15).fill(200);
    const failing = Array(15).fill(4);
    failing[7] = 60;
    const drawn = Array(15).fill(0);
    drawn[7] = 20;
    const strata = { total, failing, drawn };
    const hits = 6; // 30 % of its calls failed, like every call of that minute
    assert.ok(stratifiedUpperTail(strata, hits) > 0.4);
    // against the whole window (one bucket of 3,000 calls and 116 failures) it would look damning
    assert.ok(hypergeometricUpperTail(3000, 116, 20, hits) < 1e-3);
  });

  it('falls back to the Chernoff bound beyond its budget, never below the exact tail', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 100; round++) {
      const strata = randomStrata(random, 2 + Math.floor(random() * 4), 60);
      const highest = strata.drawn.reduce((sum, n, b) => sum + Math.min(n, strata.failing[b]), 0);
      for (let hits = Math.ceil(strata.expected) + 1; hits <= highest; hits += 2) {
        const exact = stratifiedUpperTail(strata, hits);
        const bound = chernoffBound(strata, hits);
        assert.ok(bound >= exact * (1 - 1e-12), `bound ${bound} < exact ${exact} for ${JSON.stringify(strata)} hits ${hits}`);
        // with no budget for the exact sum, the bound stands in
        assert.ok(stratifiedUpperTail(strata, hits, 0) >= exact * (1 - 1e-12));
      }
    }
    // a big value: 1,100 failures where its buckets predict 900, over 15 buckets
    const big: Strata = { total: Array(15).fill(10_000), failing: Array(15).fill(300), drawn: Array(15).fill(2_000) };
    const p = stratifiedUpperTail(big, 1_100);
    assert.equal(p, chernoffBound(big, 1_100));
    assert.ok(p > 0 && p < 1e-8, `p ${p}`);
  });
});

describe('Holm adjustment', () => {
  it('multiplies the k-th smallest by (m - k + 1), keeps them ordered, and counts the uncomputed in m', () => {
    assert.deepEqual(holmAdjust([0.01, 0.04, 0.03, 0.005], 4), [0.03, 0.06, 0.06, 0.02]);
    // two more hypotheses in the family that were not computed (p = 1)
    assert.deepEqual(holmAdjust([0.001, 0.02], 6), [0.006, 0.1]);
    assert.deepEqual(holmAdjust([0.5], 10), [1]);
  });
});
