// Which values of a context key keep their own label on the metrics. Instances of one service
// must agree on it, so it must not depend on the order the values arrive in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  MAX_METRIC_LABELS_EVER_PER_KEY,
  MAX_METRIC_VALUES_PER_KEY,
  MetricValueCap,
  OTHER_VALUE,
  stableHash,
} from '../../lib/opentelemetry/metric-value.cap.js';

/** Feeds `values` in order; returns the labels each got. */
function feed(cap: MetricValueCap, values: readonly string[]): string[] {
  return values.map((value) => cap.label(value));
}

/** The 50 values with the lowest hash (ties by text): what every instance must keep. */
function lowest(values: Iterable<string>): string[] {
  return [...new Set(values)]
    .sort((a, b) => stableHash(a) - stableHash(b) || (a < b ? -1 : 1))
    .slice(0, MAX_METRIC_VALUES_PER_KEY)
    .sort();
}

const tenants = Array.from({ length: 300 }, (_, i) => `tenant-${i}`);

describe('metrics: which values keep their own label', () => {
  it('the hash is FNV-1a over UTF-16 code units: the same number on every instance and Node version', () => {
    assert.equal(stableHash(''), 0x811c9dc5);
    assert.equal(stableHash('a'), 0xe40c292c);
    assert.equal(stableHash('foobar'), 0xbf9cf968);
  });

  it('a key with at most 50 values keeps them all, whatever their order', () => {
    const cap = new MetricValueCap(undefined);
    const values = tenants.slice(0, 50);
    assert.deepEqual(feed(cap, [...values].reverse()), [...values].reverse());
    assert.deepEqual(cap.keptValues(), [...values].sort());
  });

  it('two instances fed the same values in different orders keep the same set: the 50 lowest hashes', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(tenants, { minLength: 51 }), fc.integer({ min: 0, max: 2 ** 31 }), (seen, seed) => {
        const first = new MetricValueCap(undefined);
        const second = new MetricValueCap(undefined);
        feed(first, seen);
        // the other instance: another order, each value seen several times
        const shuffled = [...seen, ...seen].sort((a, b) => stableHash(a + seed) - stableHash(b + seed));
        feed(second, shuffled);
        assert.deepEqual(first.keptValues(), second.keptValues());
        assert.deepEqual(first.keptValues(), lowest(seen));
        // and from now on both label every value alike
        assert.deepEqual(feed(first, tenants), feed(second, tenants));
      }),
      { numRuns: 200 },
    );
  });

  it('a value among the fleet\'s 50 lowest keeps its label on every instance that sees it', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(tenants, { minLength: 1 }), (seen) => {
        const cap = new MetricValueCap(undefined);
        feed(cap, seen);
        const fleetWide = lowest(tenants);
        for (const value of seen.filter((v) => fleetWide.includes(v))) assert.equal(cap.label(value), value);
      }),
      { numRuns: 200 },
    );
  });

  it("a value longer than 64 characters is '(other)'", () => {
    const cap = new MetricValueCap(undefined);
    assert.equal(cap.label('x'.repeat(65)), OTHER_VALUE);
    assert.equal(cap.label('x'.repeat(64)), 'x'.repeat(64));
  });

  it('with an allow-list, exactly the listed values keep their label', () => {
    const cap = new MetricValueCap(new Set(['pro', 'enterprise']));
    assert.deepEqual(feed(cap, ['free', 'pro', 'trial', 'enterprise', 'pro']), [OTHER_VALUE, 'pro', OTHER_VALUE, 'enterprise', 'pro']);
    assert.deepEqual(cap.keptValues(), ['enterprise', 'pro']);
  });

  it('bounds the labels a key ever has (series the SDK keeps reporting): then the set is fixed, said once', () => {
    let frozen = 0;
    const cap = new MetricValueCap(undefined, () => frozen++);
    const labels = new Set<string>();
    for (let i = 0; i < 100_000; i++) labels.add(cap.label(`user-${i}`));
    labels.delete(OTHER_VALUE);
    assert.ok(labels.size <= MAX_METRIC_LABELS_EVER_PER_KEY, `${labels.size} labels`);
    assert.equal(frozen, 1);
    assert.equal(cap.keptValues().length, MAX_METRIC_VALUES_PER_KEY);
    const kept = cap.keptValues();
    assert.deepEqual(feed(cap, ['user-100001', kept[0]]), [OTHER_VALUE, kept[0]], 'new values are (other), kept ones stay');
  });
});
