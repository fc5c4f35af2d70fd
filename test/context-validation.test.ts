import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Injectable, type MiddlewareConsumer, Module, type NestMiddleware, type NestModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  getContext,
  HudContextService,
  HudContextValidationError,
  HudForensics,
  HudModule,
  MemoryExporter,
  setContext,
  type ForensicsRecord,
  type HudContextValue,
  type HudModuleOptions,
} from 'nestjs-hud';
import { CapturedLogger } from './support/captured-logger.js';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

/** Thrown at the end of each invocation so that it yields a record to assert on. */
class InvocationEnded extends Error {}

interface Harness {
  moduleRef: TestingModule;
  hud: HudContextService;
  memory: MemoryExporter;
  logger: CapturedLogger;
}

async function startHarness(options: HudModuleOptions): Promise<Harness> {
  const memory = new MemoryExporter();
  const logger = new CapturedLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: false, ...options })],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  return { moduleRef, hud: moduleRef.get(HudContextService), memory, logger };
}

let sequence = 0;

/**
 * Runs `body` as its own invocation (`HudContextService.run`), which then fails, and returns
 * the record it produced and what `getContext()` showed at the end of it.
 */
async function invoke(
  harness: Harness,
  body: (hud: HudContextService) => void,
): Promise<{ record: ForensicsRecord; seen: Readonly<Record<string, HudContextValue>> }> {
  const name = `validation-case-${++sequence}`;
  let seen: Readonly<Record<string, HudContextValue>> = {};
  assert.throws(
    () =>
      harness.hud.run(name, () => {
        body(harness.hud);
        seen = getContext();
        throw new InvocationEnded();
      }),
    InvocationEnded,
  );
  const record = await harness.memory.waitFor((r) => r.invocation.name === name);
  return { record, seen };
}

/** The warnings nestjs-hud logged that name `key`. */
function warningsAbout(logger: CapturedLogger, key: string) {
  return logger.of('warn').filter((e) => e.context === 'Hud' && e.message.includes(`"${key}"`));
}

/** `{ before: 'kept', [key]: value, after: 1 }`, with `key` an own enumerable property whatever its name. */
function callWith(key: string, value: unknown): Record<string, unknown> {
  const input: Record<string, unknown> = { before: 'kept' };
  Object.defineProperty(input, key, { value, enumerable: true, configurable: true, writable: true });
  input.after = 1;
  return input;
}

class Money {
  constructor(readonly cents: number) {}
}

/** Every kind of rejected key or value, with the reason the user is told. */
const REJECTED: ReadonlyArray<{ title: string; key: string; value: unknown; reason: RegExp; shownAs?: string }> = [
  { title: 'NaN', key: 'nan', value: NaN, reason: /number NaN is not finite/ },
  { title: 'Infinity', key: 'inf', value: Infinity, reason: /number Infinity is not finite/ },
  { title: '-Infinity', key: 'neg_inf', value: -Infinity, reason: /number -Infinity is not finite/ },
  { title: 'a plain object', key: 'obj', value: { a: 1 }, reason: /object is not a string, number or boolean/ },
  { title: 'a function', key: 'fn', value: () => 1, reason: /function is not a string, number or boolean/ },
  { title: 'a symbol', key: 'sym', value: Symbol('s'), reason: /symbol is not a string, number or boolean/ },
  { title: 'a bigint', key: 'big', value: 10n, reason: /bigint is not a string, number or boolean/ },
  { title: 'a Date', key: 'date', value: new Date(0), reason: /Date is not a string, number or boolean/ },
  { title: 'a class instance', key: 'money', value: new Money(5), reason: /instance of Money is not a string/ },
  { title: 'a boxed string', key: 'boxed', value: new String('x'), reason: /instance of String is not a string/ },
  { title: 'a mixed array', key: 'mixed', value: [1, 'a'], reason: /array mixes number and string items/ },
  { title: 'a nested array', key: 'nested', value: [[1], [2]], reason: /array item 0: array is not a string/ },
  { title: 'an array of objects', key: 'objs', value: [{ a: 1 }], reason: /array item 0: object is not a string/ },
  { title: 'NaN inside an array', key: 'nan_items', value: [1, NaN], reason: /array item 1: number NaN is not finite/ },
  { title: 'null inside an array', key: 'null_items', value: ['a', null], reason: /array item 1: null is not a string/ },
  // eslint-disable-next-line no-sparse-arrays
  { title: 'a sparse array', key: 'sparse', value: [, 'a'], reason: /array item 0: undefined is not a string/ },
  { title: 'an empty key', key: '', value: 'x', reason: /key is empty/ },
  {
    title: 'a key longer than maxKeyLength',
    key: 'k'.repeat(129),
    value: 'x',
    reason: /key is longer than limits\.maxKeyLength \(128\)/,
    shownAs: `${'k'.repeat(128)}…`,
  },
  { title: 'the key __proto__', key: '__proto__', value: 'x', reason: /key is reserved/ },
  { title: 'the key constructor', key: 'constructor', value: 'x', reason: /key is reserved/ },
  { title: 'the key prototype', key: 'prototype', value: 'x', reason: /key is reserved/ },
];

describe('context validation, lenient (default)', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({});
  });
  after(() => harness.moduleRef.close());

  it('stores strings, finite numbers, booleans and arrays of one of those', async () => {
    const { record, seen } = await invoke(harness, (hud) => {
      setContext({ s: 'acme', empty: '', n: 42, negative: -1.5, zero: 0, yes: true, no: false });
      hud.set({ tags: ['a', 'b'], ids: [1, 2, 3], flags: [true, false], none: [] });
    });
    const expected = {
      s: 'acme',
      empty: '',
      n: 42,
      negative: -1.5,
      zero: 0,
      yes: true,
      no: false,
      tags: ['a', 'b'],
      ids: [1, 2, 3],
      flags: [true, false],
      none: [],
    };
    assert.deepEqual(record.context, expected);
    assert.deepEqual(seen, expected);
    assert.equal(record.dropped, undefined);
    assert.deepEqual(harness.logger.of('warn'), []);
  });

  it('ignores null and undefined silently', async () => {
    harness.logger.clear();
    const { record } = await invoke(harness, (hud) => {
      setContext({ absent: undefined, missing: null, present: 'yes' });
      hud.set('also_absent', undefined);
      hud.set('also_missing', null);
      assert.equal(hud.has('absent'), false);
    });
    assert.deepEqual(record.context, { present: 'yes' });
    assert.equal(record.dropped, undefined);
    assert.deepEqual(harness.logger.of('warn'), []);
  });

  it('lets a later set of a key overwrite it, through setContext and set(key, value)', async () => {
    const { record } = await invoke(harness, (hud) => {
      setContext({ tier: 'free', step: 1 });
      hud.set('tier', 'pro');
      setContext({ step: 2 });
      assert.equal(hud.get('tier'), 'pro');
      assert.equal(hud.has('step'), true);
    });
    assert.deepEqual(record.context, { tier: 'pro', step: 2 });
  });

  for (const { title, key, value, reason, shownAs = key } of REJECTED) {
    it(`drops ${title}, names it with its reason in the record and in one warning, keeps the other keys`, async () => {
      const { record, seen } = await invoke(harness, (hud) => {
        setContext(callWith(key, value) as Record<string, HudContextValue>);
        // the same mistake again, through the single-key form: still one warning
        hud.set(key, value as HudContextValue);
      });
      assert.deepEqual(record.context, { before: 'kept', after: 1 });
      assert.deepEqual(seen, { before: 'kept', after: 1 });
      assert.equal(record.dropped?.length, 2, JSON.stringify(record.dropped));
      for (const problem of record.dropped ?? []) {
        assert.equal(problem.key, shownAs);
        assert.match(problem.reason, reason);
      }
      const warnings = warningsAbout(harness.logger, shownAs);
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.match(warnings[0].message, reason);
    });
  }

  it('drops a value whose getter throws, and keeps the rest', async () => {
    const input: Record<string, unknown> = { before: 'kept' };
    Object.defineProperty(input, 'exploding', {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
    const { record } = await invoke(harness, () => setContext(input as Record<string, HudContextValue>));
    assert.deepEqual(record.context, { before: 'kept' });
    assert.deepEqual(record.dropped, [{ key: 'exploding', reason: 'reading the value threw' }]);
  });

  it('reports an argument that is not an object, without throwing', async () => {
    const { record } = await invoke(harness, () => {
      setContext('client_id=acme' as unknown as Record<string, HudContextValue>);
      setContext(['acme'] as unknown as Record<string, HudContextValue>);
    });
    assert.deepEqual(record.context, {});
    assert.deepEqual(
      record.dropped?.map((p) => p.key),
      ['(arguments)', '(arguments)'],
    );
    assert.match(record.dropped?.[0].reason ?? '', /expected an object/);
  });

  it('keeps a copy: changing the array passed to set changes neither getContext() nor the record', async () => {
    const tags = ['a', 'b'];
    const ids = [1, 2];
    let afterMutation: Readonly<Record<string, HudContextValue>> = {};
    const { record } = await invoke(harness, (hud) => {
      setContext({ tags });
      hud.set('ids', ids);
      tags.push('c');
      tags[0] = 'changed';
      ids.length = 0;
      afterMutation = getContext();
      // what getContext() and get() return are copies too
      (getContext().tags as string[]).push('from-getContext');
      (hud.get<string[]>('tags') as string[]).push('from-get');
      (getContext() as Record<string, HudContextValue>).added = 'from-getContext';
    });
    assert.deepEqual(afterMutation, { tags: ['a', 'b'], ids: [1, 2] });
    assert.deepEqual(record.context, { tags: ['a', 'b'], ids: [1, 2] });
  });

  it('rejects __proto__ and constructor from JSON.parse without polluting any prototype', async () => {
    const payload = JSON.parse(
      '{"client_id":"acme","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":{"polluted":true}}',
    );
    let seen: Readonly<Record<string, HudContextValue>> = {};
    const { record } = await invoke(harness, (hud) => {
      setContext(payload);
      seen = getContext();
      assert.equal(hud.get('__proto__'), undefined);
      assert.equal(hud.has('constructor'), false);
    });
    assert.deepEqual(record.context, { client_id: 'acme' });
    assert.deepEqual(
      record.dropped?.map((p) => p.key).sort(),
      ['__proto__', 'constructor', 'prototype'],
    );
    for (const context of [record.context, seen]) {
      assert.equal(Object.getPrototypeOf(context), Object.prototype, 'a plain object');
      assert.equal(Object.hasOwn(context, '__proto__'), false);
      assert.equal(Object.hasOwn(context, 'constructor'), false);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as unknown as Record<string, unknown>).polluted, undefined);
  });

  it("treats names of Object.prototype's members as ordinary keys", async () => {
    const { record } = await invoke(harness, (hud) => {
      assert.equal(hud.has('toString'), false, 'nothing inherited is visible');
      assert.equal(hud.get('hasOwnProperty'), undefined);
      assert.deepEqual(getContext(), {});
      setContext({ toString: 'a', hasOwnProperty: 'b', valueOf: 3 });
      assert.equal(hud.get('toString'), 'a');
    });
    assert.deepEqual({ ...record.context }, { toString: 'a', hasOwnProperty: 'b', valueOf: 3 });
  });
});

describe('context validation, limits', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ limits: { maxKeys: 4, maxKeyLength: 10, maxStringLength: 8, maxArrayLength: 3 } });
  });
  after(() => harness.moduleRef.close());

  it('drops new keys beyond maxKeys and reports them; existing keys can still be overwritten', async () => {
    harness.logger.clear();
    const { record } = await invoke(harness, (hud) => {
      setContext({ a: 1, b: 2, c: 3 });
      setContext({ d: 4, e: 5 });
      hud.set('f', 6);
      setContext({ a: 10 });
      assert.deepEqual(getContext(), { a: 10, b: 2, c: 3, d: 4 });
    });
    assert.deepEqual(record.context, { a: 10, b: 2, c: 3, d: 4 });
    assert.deepEqual(record.dropped, [
      { key: 'e', reason: 'over limits.maxKeys (4): key dropped' },
      { key: 'f', reason: 'over limits.maxKeys (4): key dropped' },
    ]);
    assert.equal(warningsAbout(harness.logger, 'e').length, 1);
    assert.equal(warningsAbout(harness.logger, 'f').length, 1);
  });

  it('accepts a key of exactly maxKeyLength and drops a longer one', async () => {
    const { record } = await invoke(harness, () => setContext({ k123456789: 'ok', k1234567890: 'too long' }));
    assert.deepEqual(record.context, { k123456789: 'ok' });
    assert.deepEqual(record.dropped, [
      { key: 'k123456789…', reason: 'key is longer than limits.maxKeyLength (10)' },
    ]);
  });

  it('truncates a string over maxStringLength, keeps it and reports it', async () => {
    harness.logger.clear();
    const { record, seen } = await invoke(harness, () => setContext({ exact: 'abcdefgh', long: 'abcdefghij' }));
    assert.deepEqual(record.context, { exact: 'abcdefgh', long: 'abcdefgh' });
    assert.deepEqual(seen, record.context);
    assert.deepEqual(record.dropped, [
      { key: 'long', reason: 'string truncated to limits.maxStringLength (8) from 10 characters' },
    ]);
    const warnings = warningsAbout(harness.logger, 'long');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].message, /truncated to limits\.maxStringLength \(8\)/);
  });

  it('truncates strings inside arrays and arrays over maxArrayLength, and reports both', async () => {
    const { record } = await invoke(harness, () =>
      setContext({
        names: ['short', 'abcdefghijk'],
        ids: [1, 2, 3, 4, 5],
        both: ['123456789', 'b', 'c', 'd'],
        fits: [true, false, true],
      }),
    );
    assert.deepEqual(record.context, {
      names: ['short', 'abcdefgh'],
      ids: [1, 2, 3],
      both: ['12345678', 'b', 'c'],
      fits: [true, false, true],
    });
    assert.deepEqual(record.dropped, [
      { key: 'names', reason: 'array strings truncated to limits.maxStringLength (8)' },
      { key: 'ids', reason: 'array truncated to limits.maxArrayLength (3) from 5 items' },
      { key: 'both', reason: 'array strings truncated to limits.maxStringLength (8)' },
      { key: 'both', reason: 'array truncated to limits.maxArrayLength (3) from 4 items' },
    ]);
  });
});

describe('context validation, strict', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ strict: true, limits: { maxKeys: 3, maxStringLength: 8 } });
  });
  after(() => harness.moduleRef.close());

  /** Runs `call` expecting a HudContextValidationError, and returns it. */
  function expectRejected(call: () => void): HudContextValidationError {
    let caught: unknown;
    try {
      call();
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof HudContextValidationError, `expected HudContextValidationError, got ${String(caught)}`);
    assert.ok(caught instanceof Error);
    assert.equal(caught.name, 'HudContextValidationError');
    return caught;
  }

  it('throws HudContextValidationError listing every problem, and stores nothing of that call', async () => {
    harness.logger.clear();
    let error: HudContextValidationError | undefined;
    let afterError: Readonly<Record<string, HudContextValue>> = {};
    const { record } = await invoke(harness, () => {
      setContext({ client_id: 'acme' });
      const input = callWith('__proto__', 'x');
      delete input.before;
      delete input.after;
      Object.assign(input, { attempts: NaN, tags: ['a', 1], fine: 'valid' });
      error = expectRejected(() => setContext(input as Record<string, HudContextValue>));
      afterError = getContext();
    });
    assert.deepEqual(
      error?.problems.map((p) => p.key),
      ['__proto__', 'attempts', 'tags'],
    );
    assert.match(error?.problems[0].reason ?? '', /key is reserved/);
    assert.match(error?.problems[1].reason ?? '', /not finite/);
    assert.match(error?.problems[2].reason ?? '', /array mixes/);
    for (const key of ['__proto__', 'attempts', 'tags']) assert.match(error?.message ?? '', new RegExp(`"${key}"`));
    assert.deepEqual(afterError, { client_id: 'acme' }, 'the valid keys of the rejected call were not stored');
    assert.deepEqual(record.context, { client_id: 'acme' });
    assert.equal(record.dropped, undefined);
    assert.deepEqual(harness.logger.of('warn'), [], 'strict mode throws instead of warning');
  });

  it('throws for the single-key form and for truncations too', async () => {
    const { record } = await invoke(harness, (hud) => {
      const single = expectRejected(() => hud.set('ratio', Infinity));
      assert.deepEqual(single.problems.map((p) => p.key), ['ratio']);
      const truncated = expectRejected(() => setContext({ long: 'abcdefghij', ok: 'x' }));
      assert.match(truncated.problems[0].reason, /truncated to limits\.maxStringLength \(8\)/);
    });
    assert.deepEqual(record.context, {});
  });

  it('throws when a call would go over maxKeys, and stores none of its keys', async () => {
    let error: HudContextValidationError | undefined;
    const { record } = await invoke(harness, (hud) => {
      setContext({ a: 1, b: 2 });
      error = expectRejected(() => setContext({ c: 3, d: 4 }));
      hud.set('a', 10); // overwriting an existing key never counts against maxKeys
    });
    assert.deepEqual(error?.problems, [{ key: 'd', reason: 'over limits.maxKeys (3): key dropped' }]);
    assert.deepEqual(record.context, { a: 10, b: 2 });
  });
});

describe('context validation through HTTP requests', () => {
  @Injectable()
  class AttemptsMiddleware implements NestMiddleware {
    use(req: { headers: Record<string, string | undefined> }, _res: unknown, next: () => void) {
      setContext({
        client_id: req.headers['x-client-id'],
        attempts: Number(req.headers['x-attempts']), // 'many' → NaN
        request_id: req.headers['x-request-id'], // absent
      });
      next();
    }
  }

  @Controller('validation')
  class ValidationController {
    @Get('fail')
    fail() {
      setContext({ step: 'charge', when: new Date() as unknown as string });
      throw new Error('charge failed');
    }
  }

  for (const platform of PLATFORMS) {
    describe(platform, () => {
      const memory = new MemoryExporter();
      const logger = new CapturedLogger();
      let running: RunningApp;
      before(async () => {
        @Module({
          imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false })],
          controllers: [ValidationController],
        })
        class AppModule implements NestModule {
          configure(consumer: MiddlewareConsumer) {
            consumer.apply(AttemptsMiddleware).forRoutes('*');
          }
        }
        running = await startHttpApp(platform, { imports: [AppModule] }, undefined, { logger });
      });
      after(() => running.close());

      it('drops the bad keys of middleware and handler, keeps the rest, and answers as without the module', async () => {
        const response = await fetch(`${running.url}/validation/fail`, {
          headers: { 'x-client-id': 'acme', 'x-attempts': 'many' },
        });
        assert.equal(response.status, 500);
        assert.deepEqual(await response.json(), { statusCode: 500, message: 'Internal server error' });
        const record = await memory.waitFor((r) => r.invocation.name === 'GET /validation/fail');
        await running.app.get(HudForensics).flush();
        assert.equal(memory.records.length, 1);
        assert.deepEqual(record.context, { client_id: 'acme', step: 'charge' });
        assert.deepEqual(record.dropped?.map((p) => p.key), ['attempts', 'when']);
        assert.match(record.dropped?.[0].reason ?? '', /number NaN is not finite/);
        assert.match(record.dropped?.[1].reason ?? '', /Date is not a string/);
        assert.equal(warningsAbout(logger, 'attempts').length, 1);
        assert.equal(warningsAbout(logger, 'when').length, 1);
      });
    });
  }
});
