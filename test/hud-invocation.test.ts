import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable, Module, SetMetadata } from '@nestjs/common';
import {
  getContext,
  HudContextService,
  HudForensics,
  HudInvocation,
  HudModule,
  MemoryExporter,
  setContext,
  type ForensicsRecord,
} from 'nestjs-hud';
import { delay, randomInt, startAppContext, type RunningContext } from './support/app-context.js';

class LedgerError extends Error {
  override name = 'LedgerError';
}

const CUSTOM_KEY = 'test:custom-metadata';

@Injectable()
class LedgerService {
  /** What the method saw as context when it started: proves nothing leaks in from before. */
  readonly seenAtStart: Record<string, unknown>[] = [];

  @HudInvocation()
  async reconcile(account: string, fail: boolean) {
    this.seenAtStart.push(getContext());
    setContext({ account });
    await delay(1);
    if (fail) throw new LedgerError(`cannot reconcile ${account}`);
    return `reconciled ${account}`;
  }

  @HudInvocation('ledger.close-day')
  closeDay(day: string) {
    setContext({ day });
    if (day === 'bad') throw new LedgerError('day already closed');
    return { closed: day };
  }

  @HudInvocation()
  async slowExport() {
    setContext({ export: 'csv' });
    await delay(400);
    return 'done';
  }

  @SetMetadata(CUSTOM_KEY, 'below')
  @HudInvocation()
  @SetMetadata('test:under', 'original')
  tagged(a: number, b: number) {
    return a + b;
  }

  @HudInvocation()
  @HudInvocation('second')
  twice() {
    setContext({ twice: true });
    throw new LedgerError('twice');
  }

  @HudInvocation()
  static audit(): string {
    setContext({ audited: true });
    throw new LedgerError('audit failed');
  }
}

@Injectable()
class CheckoutService {
  constructor(
    private readonly ledger: LedgerService,
    private readonly hud: HudContextService,
  ) {}

  /** A HudContextService.run invocation calling decorated methods: they join it. */
  async checkout(recover: boolean) {
    return this.hud.run('checkout', async () => {
      setContext({ cart: 'c-1' });
      if (!recover) return this.ledger.reconcile('acme', true);
      try {
        await this.ledger.reconcile('acme', true);
      } catch {
        return 'recovered';
      }
    });
  }
}

function appModule(exporter: MemoryExporter, enabled = true) {
  @Module({
    imports: [HudModule.forRoot({ enabled, slowThresholdMs: 300, exporters: [exporter], rateLimit: false })],
    providers: [LedgerService, CheckoutService],
  })
  class AppModule {}
  return AppModule;
}

describe('@HudInvocation()', () => {
  const exporter = new MemoryExporter();
  let running: RunningContext;
  let ledger: LedgerService;
  const settle = () => running.app.get(HudForensics).flush();
  const named = (name: string): ForensicsRecord[] => exporter.records.filter((r) => r.invocation.name === name);

  before(async () => {
    running = await startAppContext({ imports: [appModule(exporter)] });
    ledger = running.app.get(LedgerService);
  });
  after(() => running.close());

  it('records a failing call as its own invocation of kind job, named ClassName.methodName', async () => {
    exporter.clear();
    const thrown = await ledger.reconcile('acme', true).catch((error: unknown) => error);
    assert.ok(thrown instanceof LedgerError, 'the original error reaches the caller');
    const record = await exporter.waitFor((r) => r.invocation.name === 'LedgerService.reconcile');
    assert.equal(record.trigger, 'error');
    assert.equal(record.invocation.kind, 'job');
    assert.deepEqual(record.context, { account: 'acme' });
    assert.equal(record.error?.name, 'LedgerError');
    assert.equal(record.error?.message, 'cannot reconcile acme');
    assert.equal(record.invocation.job, undefined, 'not a BullMQ job: no job details');
    await settle();
    assert.equal(named('LedgerService.reconcile').length, 1);
  });

  it('records nothing for a fast success, and returns what the method returns', async () => {
    exporter.clear();
    assert.equal(await ledger.reconcile('globex', false), 'reconciled globex');
    await settle();
    assert.deepEqual(exporter.records, []);
  });

  it('records a slow success with trigger duration', async () => {
    exporter.clear();
    assert.equal(await ledger.slowExport(), 'done');
    const record = await exporter.waitFor((r) => r.invocation.name === 'LedgerService.slowExport');
    assert.equal(record.trigger, 'duration');
    assert.ok(record.durationMs >= 300, `durationMs ${record.durationMs}`);
    assert.deepEqual(record.context, { export: 'csv' });
  });

  it('uses the given name and keeps a synchronous method synchronous', async () => {
    exporter.clear();
    const result = ledger.closeDay('2026-01-02');
    assert.deepEqual(result, { closed: '2026-01-02' }, 'a value, not a promise');
    assert.throws(() => ledger.closeDay('bad'), (error: unknown) => error instanceof LedgerError);
    const record = await exporter.waitFor((r) => r.invocation.name === 'ledger.close-day');
    assert.equal(record.invocation.kind, 'job');
    assert.deepEqual(record.context, { day: 'bad' });
    await settle();
    assert.equal(exporter.records.length, 1, 'the successful call made no record');
  });

  it('names a static method after its class too', async () => {
    exporter.clear();
    assert.throws(() => LedgerService.audit(), LedgerError);
    const record = await exporter.waitFor((r) => r.invocation.name === 'LedgerService.audit');
    assert.deepEqual(record.context, { audited: true });
  });

  it('joins the invocation it is called in: one record, named after the outer invocation', async () => {
    exporter.clear();
    const checkout = running.app.get(CheckoutService);
    await assert.rejects(checkout.checkout(false), LedgerError);
    const record = await exporter.waitFor((r) => r.invocation.name === 'checkout');
    assert.equal(record.invocation.kind, 'custom');
    assert.deepEqual(record.context, { cart: 'c-1', account: 'acme' });
    await settle();
    assert.equal(exporter.records.length, 1, 'no nested record for the joined call');
    assert.deepEqual(ledger.seenAtStart.at(-1), { cart: 'c-1' }, 'the joined call saw the outer context');
  });

  it('notes the failure of a joined call on the invocation it joined, even when the caller recovers', async () => {
    exporter.clear();
    const checkout = running.app.get(CheckoutService);
    assert.equal(await checkout.checkout(true), 'recovered');
    const record = await exporter.waitFor((r) => r.invocation.name === 'checkout');
    assert.equal(record.trigger, 'error');
    assert.equal(record.error?.name, 'LedgerError');
  });

  it('keeps the metadata, name and length of the method, and wraps once when applied twice', async () => {
    const method = LedgerService.prototype.tagged;
    assert.equal(method.name, 'tagged');
    assert.equal(method.length, 2);
    assert.equal(Reflect.getMetadata(CUSTOM_KEY, method), 'below', 'metadata written after wrapping');
    assert.equal(Reflect.getMetadata('test:under', method), 'original', 'metadata written before wrapping is copied');
    assert.equal(ledger.tagged(2, 3), 5);

    exporter.clear();
    assert.throws(() => ledger.twice(), LedgerError);
    await settle();
    assert.deepEqual(
      exporter.records.map((r) => r.invocation.name),
      ['second'],
      'the inner decorator wrapped; the outer one saw the marker and left it alone',
    );
  });

  it('isolates 200 concurrent calls with random delays; nothing leaks from one call into the next', async () => {
    exporter.clear();
    ledger.seenAtStart.length = 0;
    const calls = Array.from({ length: 200 }, (_, i) =>
      delay(randomInt(0, 15)).then(() => ledger.reconcile(`acct-${i}`, i % 2 === 0).catch(() => undefined)),
    );
    await Promise.all(calls);
    await settle();
    // on a loaded machine a successful call may also pass the slow threshold: count failures
    const all = named('LedgerService.reconcile');
    for (const record of all) assert.deepEqual(Object.keys(record.context), ['account']);
    const records = all.filter((r) => r.trigger === 'error');
    assert.equal(records.length, 100);
    assert.deepEqual(
      records.map((r) => r.context.account).sort(),
      Array.from({ length: 100 }, (_, i) => `acct-${i * 2}`).sort(),
    );
    for (const record of records) {
      assert.deepEqual(Object.keys(record.context), ['account']);
      assert.equal(record.error?.message, `cannot reconcile ${record.context.account}`, 'its own error with its own context');
    }
    assert.equal(ledger.seenAtStart.length, 200);
    assert.ok(ledger.seenAtStart.every((seen) => Object.keys(seen).length === 0), 'each call started with an empty context');
    assert.deepEqual(getContext(), {}, 'nothing reachable after the calls');
  });
});

describe('@HudInvocation() without an enabled HudModule', () => {
  it('calls the method untouched when the module is disabled', async () => {
    const exporter = new MemoryExporter();
    const running = await startAppContext({ imports: [appModule(exporter, false)] });
    try {
      const ledger = running.app.get(LedgerService);
      ledger.seenAtStart.length = 0;
      assert.equal(await ledger.reconcile('x', false), 'reconciled x');
      await assert.rejects(ledger.reconcile('y', true), LedgerError);
      assert.throws(() => ledger.closeDay('bad'), LedgerError);
      assert.deepEqual(ledger.seenAtStart, [{}, {}]);
      await running.app.get(HudForensics).flush();
      assert.deepEqual(exporter.records, []);
    } finally {
      await running.close();
    }
  });

  it('calls the method untouched when no HudModule was started (or it was closed)', async () => {
    const ledger = new LedgerService();
    assert.deepEqual(ledger.closeDay('2026-01-03'), { closed: '2026-01-03' });
    assert.throws(() => ledger.closeDay('bad'), LedgerError);
    await assert.rejects(ledger.reconcile('z', true), LedgerError);
    assert.deepEqual(getContext(), {});
  });
});
