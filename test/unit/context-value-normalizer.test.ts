import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayKey, keyProblem, normalizeValue, type ProblemSink } from '../../lib/context/context-value.normalizer.js';
import { HudLimits } from '../../lib/hud.options.js';

const limits = Object.assign(new HudLimits(), { maxKeyLength: 8, maxStringLength: 5, maxArrayLength: 3 });

function normalize(value: unknown): { value: unknown; reasons: string[] } {
  const sink: ProblemSink = { problems: undefined };
  const stored = normalizeValue(value, limits, sink, 'k');
  return { value: stored, reasons: (sink.problems ?? []).map((p) => p.reason) };
}

describe('context value normalizer', () => {
  it('keeps strings, finite numbers and booleans as they are, with no problem', () => {
    for (const value of ['', 'abc', 0, -0, 1.5, -1e300, true, false]) {
      assert.deepEqual(normalize(value), { value, reasons: [] }, String(value));
    }
  });

  it('drops what is not a string, finite number or boolean, saying what it was', () => {
    class Money {}
    const cases: Array<[unknown, string]> = [
      [Number.NaN, 'number NaN is not finite'],
      [Number.POSITIVE_INFINITY, 'number Infinity is not finite'],
      [null, 'null is not a string, number or boolean'],
      [undefined, 'undefined is not a string, number or boolean'],
      [10n, 'bigint is not a string, number or boolean'],
      [Symbol('s'), 'symbol is not a string, number or boolean'],
      [new Date(0), 'Date is not a string, number or boolean'],
      [{ a: 1 }, 'object is not a string, number or boolean'],
      [Object.create(null), 'object is not a string, number or boolean'],
      [new Money(), 'instance of Money is not a string, number or boolean'],
      [() => 1, 'function is not a string, number or boolean'],
    ];
    for (const [value, reason] of cases) assert.deepEqual(normalize(value), { value: undefined, reasons: [reason] }, reason);
  });

  it('truncates a long string without splitting a character', () => {
    assert.deepEqual(normalize('abcdefgh'), { value: 'abcde', reasons: ['string truncated to limits.maxStringLength (5) from 8 characters'] });
    // 'abcd' + an emoji (two UTF-16 code units): the cut at 5 would split it
    const { value } = normalize('abcd\u{1F600}x');
    assert.equal(value, 'abcd');
  });

  it('copies an array of one scalar type, truncating it and its strings within the limits', () => {
    const input = ['a', 'bbbbbbb', 'c', 'd'];
    const { value, reasons } = normalize(input);
    assert.deepEqual(value, ['a', 'bbbbb', 'c']);
    assert.notEqual(value, input, 'a copy: later changes to the caller’s array do not reach the context');
    assert.deepEqual(reasons, ['array strings truncated to limits.maxStringLength (5)', 'array truncated to limits.maxArrayLength (3) from 4 items']);
    assert.deepEqual(normalize([]), { value: [], reasons: [] });
  });

  it('drops an array that mixes types or holds a non-scalar, naming the first bad item', () => {
    assert.deepEqual(normalize([1, 'a']), { value: undefined, reasons: ['array mixes number and string items (one type per array)'] });
    assert.deepEqual(normalize([true, null]), { value: undefined, reasons: ['array item 1: null is not a string, number or boolean'] });
    assert.deepEqual(normalize([1, 2, 3, 'ignored beyond the limit']), {
      value: [1, 2, 3],
      reasons: ['array truncated to limits.maxArrayLength (3) from 4 items'],
    });
  });

  it('refuses empty, over-long and prototype-reaching keys, and shows a long key bounded', () => {
    assert.equal(keyProblem('', limits), 'key is empty');
    assert.equal(keyProblem('123456789', limits), 'key is longer than limits.maxKeyLength (8)');
    for (const key of ['__proto__', 'constructor', 'prototype']) assert.equal(keyProblem(key, new HudLimits()), 'key is reserved (it could reach the prototype chain)');
    assert.equal(keyProblem('toString', limits), undefined, 'a name of Object.prototype is a fine key in the store');
    assert.equal(displayKey('12345678', limits), '12345678');
    assert.equal(displayKey('x'.repeat(10_000), limits), `${'x'.repeat(8)}…`);
  });
});
