import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import fc from 'fast-check';
import {
  getContext,
  HudContextService,
  HudContextValidationError,
  HudForensics,
  HudModule,
  MemoryExporter,
  setContext,
  type HudContextProblem,
  type HudContextValue,
} from 'nestjs-hud';

/**
 * Property tests of `setContext` and `HudContextService.set(key, value)` over arbitrary input:
 * any JS value as a value (nested, cyclic, exotic), odd keys (`__proto__`, empty, huge),
 * getters that throw, proxies, inputs that are not objects at all.
 *
 * - lenient mode never throws; what it stores is valid, within the limits, and a copy;
 *   for plain data it stores exactly what an independent model of the rules says;
 * - strict mode throws HudContextValidationError exactly when lenient mode reports something
 *   in the record's `dropped` (with the same problems), and otherwise stores the same.
 */
const LIMITS = { maxKeys: 8, maxKeyLength: 16, maxStringLength: 32, maxArrayLength: 4 };
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const HUGE = 'h'.repeat(100_000);
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 400);
const FAIL = new Error('fuzz: end of invocation');

/** Values built by hand that the model does not predict: only validity is checked for them. */
const exotic = new WeakSet<object>();
function markExotic<T extends object>(value: T): T {
  exotic.add(value);
  return value;
}

function cyclicArray(): unknown[] {
  const array: unknown[] = ['a'];
  array.push(array);
  return markExotic(array);
}

function exoticValues(): unknown[] {
  const throwingIndex = ['a', 'b'];
  Object.defineProperty(throwingIndex, 1, { get: () => { throw new Error('index getter'); }, enumerable: true });
  class Point {
    x = 1;
  }
  return [
    cyclicArray(),
    markExotic(throwingIndex),
    markExotic(new Proxy(['a', 'b'], { get: () => { throw new Error('proxy get'); } })),
    markExotic(new Proxy(['a', 'b'], {})),
    markExotic(new Proxy({ a: 1 }, { getPrototypeOf: () => { throw new Error('proxy proto'); } })),
    markExotic(Object.freeze(['frozen', 'strings'])),
    markExotic(Object.freeze({ frozen: true })),
    markExotic(new Point()),
    markExotic(new Date(0)),
    markExotic(new Map([['a', 1]])),
    markExotic(Object.create(null) as object),
    markExotic(() => 'function'),
    Symbol('symbol'),
    10n,
    markExotic(new Uint8Array([1, 2])),
    markExotic(Promise.resolve(1)),
    markExotic(new String('boxed')),
  ];
}

const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(null, undefined, HUGE, NaN, Infinity, -Infinity, -0, ''),
  fc.bigInt(),
);
const arrays = fc.oneof(
  fc.array(fc.string({ maxLength: 40 }), { maxLength: 7 }),
  fc.array(fc.double(), { maxLength: 7 }),
  fc.array(fc.boolean(), { maxLength: 7 }),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxLength: 5 }),
  fc.array(fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }), { maxLength: 3 }),
  fc.sparseArray(fc.string({ maxLength: 3 }), { maxLength: 5 }),
  fc.constant([HUGE, 'short']),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalar, weight: 4 },
  { arbitrary: arrays, weight: 3 },
  { arbitrary: fc.constantFrom(...exoticValues()), weight: 2 },
  {
    arbitrary: fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true, withTypedArray: true }),
    weight: 1,
  },
);
const key = fc.oneof(
  { arbitrary: fc.string({ maxLength: 20 }), weight: 4 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'k'.repeat(17), 'k'.repeat(10_000), 'toString', 'hasOwnProperty', '0', '7'), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }), weight: 1 },
);

type EntryKind = 'data' | 'getter' | 'throwing-getter';
interface Entry {
  kind: EntryKind;
  key: string;
  value: unknown;
}
type Shape = 'plain' | 'null-prototype' | 'proxy' | 'throwing-ownKeys' | 'not-an-object';
interface Input {
  shape: Shape;
  entries: Entry[];
  notAnObject: unknown;
}

const anyInput: fc.Arbitrary<Input> = fc.record({
  shape: fc.constantFrom<Shape>('plain', 'plain', 'plain', 'null-prototype', 'proxy', 'throwing-ownKeys', 'not-an-object'),
  entries: fc.array(
    fc.record({ kind: fc.constantFrom<EntryKind>('data', 'data', 'data', 'getter', 'throwing-getter'), key, value }),
    { maxLength: 12 },
  ),
  notAnObject: fc.constantFrom(null, undefined, 'a string', 42, ['an', 'array'], () => ({ a: 1 }), true),
});

/** Inputs of valid keys and values only, many of them: they reach `limits.maxKeys`. */
const tidyInput: fc.Arbitrary<Input> = fc.record({
  shape: fc.constant<Shape>('plain'),
  entries: fc.array(
    fc.record({
      kind: fc.constant<EntryKind>('data'),
      key: fc.string({ minLength: 1, maxLength: LIMITS.maxKeyLength, unit: 'grapheme-ascii' }).filter((k) => !FORBIDDEN.has(k)),
      value: fc.oneof(fc.string({ maxLength: LIMITS.maxStringLength }), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: LIMITS.maxArrayLength })),
    }),
    { minLength: 1, maxLength: 12 },
  ),
  notAnObject: fc.constant(null),
});

const input = fc.oneof({ arbitrary: anyInput, weight: 3 }, { arbitrary: tidyInput, weight: 1 });

/** Builds the object passed to setContext; `__proto__` and the like become own properties. */
function build(spec: Input): unknown {
  if (spec.shape === 'not-an-object') return spec.notAnObject;
  const target: Record<string, unknown> = spec.shape === 'null-prototype' ? Object.create(null) : {};
  for (const { kind, key, value } of spec.entries) {
    const descriptor: PropertyDescriptor =
      kind === 'data'
        ? { value, enumerable: true, configurable: true, writable: true }
        : kind === 'getter'
          ? { get: () => value, enumerable: true, configurable: true }
          : { get: () => { throw new Error(`getter of ${key}`); }, enumerable: true, configurable: true };
    Object.defineProperty(target, key, descriptor);
  }
  if (spec.shape === 'proxy') return new Proxy(target, {});
  if (spec.shape === 'throwing-ownKeys') return new Proxy(target, { ownKeys: () => { throw new Error('ownKeys trap'); } });
  return target;
}

function isStoredScalar(item: unknown): boolean {
  return (
    (typeof item === 'string' && item.length <= LIMITS.maxStringLength) ||
    typeof item === 'boolean' ||
    (typeof item === 'number' && Number.isFinite(item))
  );
}

/** What a valid stored context looks like, whatever went in. */
function assertValidContext(context: Record<string, unknown>): void {
  assert.equal(Object.getPrototypeOf(context), Object.prototype, 'a plain object');
  const keys = Object.keys(context);
  assert.ok(keys.length <= LIMITS.maxKeys, `${keys.length} keys`);
  for (const k of keys) {
    assert.ok(k.length > 0 && k.length <= LIMITS.maxKeyLength && !FORBIDDEN.has(k), `key ${JSON.stringify(k)}`);
    const stored = context[k];
    if (Array.isArray(stored)) {
      assert.ok(stored.length <= LIMITS.maxArrayLength, `array of ${stored.length}`);
      assert.ok(stored.every(isStoredScalar), `array items of ${k}`);
      assert.ok(new Set(stored.map((item) => typeof item)).size <= 1, `one item type in ${k}`);
    } else {
      assert.ok(isStoredScalar(stored), `value of ${k}: ${String(stored)}`);
    }
  }
}

/** An independent model of the rules, for plain data: what is stored, and whether anything is reported. */
function model(spec: Input): { context: Record<string, HudContextValue>; problem: boolean } {
  const built = build(spec) as Record<string, unknown>;
  const context: Record<string, HudContextValue> = {};
  let problem = false;
  let count = 0;
  for (const k of Object.keys(built)) {
    const raw = built[k];
    if (raw === null || raw === undefined) continue;
    if (k.length === 0 || k.length > LIMITS.maxKeyLength || FORBIDDEN.has(k)) {
      problem = true;
      continue;
    }
    let stored: HudContextValue | undefined;
    if (typeof raw === 'string') {
      stored = raw.slice(0, LIMITS.maxStringLength);
      if (raw.length > LIMITS.maxStringLength) problem = true;
    } else if (typeof raw === 'boolean' || (typeof raw === 'number' && Number.isFinite(raw))) {
      stored = raw;
    } else if (Array.isArray(raw)) {
      // Array.from: a hole of a sparse array is an `undefined` item, as an index read sees it
      const kept = Array.from(raw.slice(0, LIMITS.maxArrayLength));
      const scalars = kept.every(
        (item) => typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item)),
      );
      if (scalars && new Set(kept.map((item) => typeof item)).size <= 1) {
        stored = kept.map((item) => (typeof item === 'string' ? item.slice(0, LIMITS.maxStringLength) : item)) as HudContextValue;
        if (raw.length > LIMITS.maxArrayLength || kept.some((item) => typeof item === 'string' && item.length > LIMITS.maxStringLength)) {
          problem = true;
        }
      } else {
        problem = true;
      }
    } else {
      problem = true;
    }
    if (stored === undefined) continue;
    if (count >= LIMITS.maxKeys) {
      problem = true;
      continue;
    }
    count++;
    context[k] = stored;
  }
  return { context, problem };
}

function isPlainData(spec: Input): boolean {
  const plainValue = (v: unknown): boolean =>
    v === null ||
    v === undefined ||
    typeof v === 'string' ||
    typeof v === 'number' ||
    typeof v === 'boolean' ||
    (Array.isArray(v) && !exotic.has(v) && Object.getPrototypeOf(v) === Array.prototype && [...v].every((item) => !Array.isArray(item) || plainValue(item)));
  return (
    (spec.shape === 'plain' || spec.shape === 'null-prototype' || spec.shape === 'proxy') &&
    spec.entries.every((e) => e.kind === 'data' && plainValue(e.value))
  );
}

/** Arrays handed in as values that may be changed after `set` (not the hand-built exotic ones). */
function mutableArraysOf(spec: Input): unknown[][] {
  return spec.entries
    .map((e) => e.value)
    .filter((v): v is unknown[] => Array.isArray(v) && !exotic.has(v) && Object.isExtensible(v));
}

async function hudApp(strict: boolean, exporter: MemoryExporter): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(
    HudModule.forRoot({ strict, limits: LIMITS, exporters: [exporter], rateLimit: false, slowThresholdMs: false }),
    { logger: false },
  );
}

describe('fuzzing setContext (fast-check)', () => {
  const lenientRecords = new MemoryExporter();
  let lenient: INestApplicationContext;
  let strict: INestApplicationContext;

  before(async () => {
    lenient = await hudApp(false, lenientRecords);
    strict = await hudApp(true, new MemoryExporter());
  });
  after(async () => {
    await lenient?.close();
    await strict?.close();
  });

  /** Runs `set` as a failing lenient invocation: what it stored, and the record's `dropped`. */
  async function lenientRun(set: () => void, afterSet: () => void = () => {}) {
    lenientRecords.clear();
    let stored: Record<string, HudContextValue> = {};
    let threw: unknown;
    try {
      lenient.get(HudContextService).run('fuzz', () => {
        try {
          set();
        } catch (error) {
          threw = error;
        }
        stored = getContext() as Record<string, HudContextValue>;
        afterSet();
        assert.deepEqual(getContext(), stored, 'stored values are copies: changing the input after set changes nothing');
        throw FAIL;
      });
    } catch (error) {
      if (error !== FAIL) throw error;
    }
    await lenient.get(HudForensics).flush();
    assert.equal(lenientRecords.records.length, 1);
    return { stored, threw, dropped: lenientRecords.records[0].dropped ?? [] };
  }

  function strictRun(set: () => void) {
    let stored: Record<string, HudContextValue> = {};
    let threw: unknown;
    strict.get(HudContextService).run('fuzz', () => {
      try {
        set();
      } catch (error) {
        threw = error;
      }
      stored = getContext() as Record<string, HudContextValue>;
    });
    return { stored, threw };
  }

  function assertStrictMatchesLenient(
    strictOutcome: { stored: Record<string, HudContextValue>; threw: unknown },
    lenientOutcome: { stored: Record<string, HudContextValue>; dropped: HudContextProblem[] },
  ): void {
    if (lenientOutcome.dropped.length > 0) {
      assert.ok(strictOutcome.threw instanceof HudContextValidationError, `strict must throw: lenient dropped ${JSON.stringify(lenientOutcome.dropped)}`);
      assert.deepEqual([...strictOutcome.threw.problems], lenientOutcome.dropped, 'strict reports the problems lenient mode records');
      assert.deepEqual(strictOutcome.stored, {}, 'a refused call stores nothing');
    } else {
      assert.equal(strictOutcome.threw, undefined, 'strict must not throw when lenient mode dropped nothing');
      assert.deepEqual(strictOutcome.stored, lenientOutcome.stored);
    }
  }

  it('setContext(object): lenient never throws and stores valid copies; strict throws exactly when lenient drops', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(input, async (spec) => {
        const strictOutcome = strictRun(() => setContext(build(spec) as Record<string, never>));
        const mutable = mutableArraysOf(spec);
        const lenientOutcome = await lenientRun(
          () => setContext(build(spec) as Record<string, never>),
          () => mutable.forEach((array) => array.push('changed after set')),
        );
        mutable.forEach((array) => array.pop());

        assert.equal(lenientOutcome.threw, undefined, `lenient mode threw ${String(lenientOutcome.threw)}`);
        assertValidContext(lenientOutcome.stored);
        if (spec.entries.some((e) => e.kind === 'throwing-getter')) {
          for (const e of spec.entries.filter((e) => e.kind === 'throwing-getter')) {
            assert.ok(!Object.hasOwn(lenientOutcome.stored, e.key) || spec.entries.some((o) => o.key === e.key && o !== e));
          }
        }
        if (isPlainData(spec)) {
          const expected = model(spec);
          assert.deepEqual(lenientOutcome.stored, expected.context, 'stores what the rules say');
          assert.equal(lenientOutcome.dropped.length > 0, expected.problem, 'reports exactly when the rules say');
        }
        assertStrictMatchesLenient(strictOutcome, lenientOutcome);
      }),
      { numRuns: RUNS },
    );
  });

  it('HudContextService.set(key, value) with any key: the same guarantees', { timeout: 120_000 }, async () => {
    const anyKey = fc.oneof(
      key,
      fc.constantFrom<unknown>(Symbol('k'), 42, null, undefined, { toString: () => { throw new Error('toString'); } }, ['a']),
    );
    await fc.assert(
      fc.asyncProperty(anyKey, value, async (k, v) => {
        const strictOutcome = strictRun(() => strict.get(HudContextService).set(k as string, v as never));
        const lenientOutcome = await lenientRun(() => lenient.get(HudContextService).set(k as string, v as never));
        assert.equal(lenientOutcome.threw, undefined, `lenient mode threw ${String(lenientOutcome.threw)}`);
        assertValidContext(lenientOutcome.stored);
        assertStrictMatchesLenient(strictOutcome, lenientOutcome);
      }),
      { numRuns: Math.round(RUNS / 2) },
    );
  });
});
