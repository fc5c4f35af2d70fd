import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { describeValue } from '../../lib/forensics/value.describer.js';

describe('describeValue: a logged or thrown object as bounded text', () => {
  it('reads like JSON.stringify for plain data that fits (1,000 generated values)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.equal(describeValue(value, 1_000_000), JSON.stringify(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('is never longer than its cap, and ends with … when it was cut (1,000 generated values and caps)', () => {
    fc.assert(
      fc.property(fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }), fc.integer({ min: 1, max: 300 }), (value, cap) => {
        const text = describeValue(value, cap);
        assert.ok(text.length <= cap, `${text.length} > ${cap}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('stops walking once the text is full: a 1,000,000-item array costs a few items', () => {
    let reads = 0;
    const items = new Array(1_000_000);
    for (let i = 0; i < 20; i++) {
      Object.defineProperty(items, i, {
        enumerable: true,
        get() {
          reads++;
          return i;
        },
      });
    }
    const described = describeValue({ items: new Array(1_000_000).fill('item') }, 64);
    assert.equal(described, `{"items":[${Array(7).fill('"item"').join(',')},"ite…`);
    assert.equal(describeValue(items, 40).startsWith('["[Getter]","[Getter]"'), true);
    assert.equal(reads, 0);
  });

  it('names cycles, deep nesting, Proxies, functions and binary data; never throws', () => {
    const cyclic: { name: string; self?: unknown } = { name: 'a' };
    cyclic.self = cyclic;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deep = [deep];
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    assert.equal(describeValue(cyclic, 100), '{"name":"a","self":"[Circular]"}');
    assert.match(describeValue(deep, 10_000), /^\[{32}"\[Nested too deep\]"\]{32}$/);
    assert.equal(describeValue({ p: revocable.proxy, f: function named() {}, b: new Uint8Array(4), n: 10n, s: Symbol('x') }, 200), '{"p":"[Proxy]","f":"[Function: named]","b":"[4 bytes]","n":10n}');
    assert.equal(describeValue(new Date(Number.NaN), 10), 'null');
  });
});
