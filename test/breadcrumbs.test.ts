import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Injectable, Logger, Param, Query } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  addBreadcrumb,
  HudContextService,
  HudForensics,
  HudInvocation,
  HudModule,
  MemoryExporter,
  setContext,
  type ForensicsRecord,
  type HudBreadcrumb,
} from 'nestjs-hud';
import { runInInvocation } from 'nestjs-hud/testing';
import { delay, randomInt, startAppContext, type RunningContext } from './support/app-context.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';
import { outcomeOf, startMicroservice, type RunningMicroservice } from './support/rpc-app.js';

const payments = new Logger('Payments');

/** What a test compares: level, message and data of each breadcrumb (atMs varies). */
const story = (record: ForensicsRecord | undefined) =>
  (record?.breadcrumbs ?? []).map(({ level, message, data }: HudBreadcrumb) => ({ level, message, ...(data ? { data } : {}) }));

@Controller('checkout')
class CheckoutController {
  constructor(private readonly hud: HudContextService) {}

  @Get('pay')
  async pay(@Query('fail') fail?: string) {
    addBreadcrumb('cart loaded', { items: 3, card_token: 'tok_4242' });
    await delay(2);
    payments.warn('card declined by issuer');
    this.hud.addBreadcrumb('retrying with the backup provider', { provider: 'adyen' });
    Logger.log('static line', 'Checkout');
    if (fail === '1') throw new Error('payment gateway timeout');
    return { ok: true };
  }

  /** 200 at once: each request notes its own id, waits a random while, notes it again. */
  @Get('concurrent/:id')
  async concurrent(@Param('id') id: string) {
    setContext({ request: id });
    addBreadcrumb(`start ${id}`, { id });
    await delay(randomInt(0, 15));
    payments.warn(`charging ${id}`);
    await Promise.all([delay(randomInt(0, 5)).then(() => addBreadcrumb(`branch ${id}`))]);
    if (Number(id) % 2 === 0) throw new Error(`request ${id} failed`);
    return { id };
  }

  @Get('chatty')
  chatty(@Query('lines') lines: string) {
    for (let i = 0; i < Number(lines); i++) addBreadcrumb(`line ${i} ${'x'.repeat(i === 0 ? 2000 : 0)}`);
    throw new Error('too chatty');
  }

  @Get('debug')
  debugOnly() {
    payments.debug('a debug line');
    payments.verbose('a verbose line');
    payments.error('an error line');
    throw new Error('fails');
  }
}

@Injectable()
class ReconcileJob {
  @HudInvocation('ledger.reconcile')
  async run(fail: boolean) {
    addBreadcrumb('fetched 12 entries', { entries: 12 });
    await delay(1);
    new Logger('Ledger').warn('entry 7 does not balance');
    if (fail) throw new Error('ledger out of balance');
    return 'ok';
  }
}

describe('breadcrumbs on the record of a failing HTTP request', () => {
  let running: RunningApp;
  let memory: MemoryExporter;
  before(async () => {
    memory = new MemoryExporter();
    running = await startHttpApp('express', {
      imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false, redact: ['card_token'], breadcrumbs: { maxEntries: 5, maxMessageLength: 40 } })],
      controllers: [CheckoutController],
    });
  });
  after(() => running.close());

  it('lists addBreadcrumb, HudContextService.addBreadcrumb and Nest Logger lines in order, data redacted', async () => {
    memory.clear();
    const response = await fetch(`${running.url}/checkout/pay?fail=1`);
    assert.equal(response.status, 500);
    const record = await memory.waitFor((r) => r.invocation.name === 'GET /checkout/pay');
    assert.deepEqual(story(record).slice(0, 4), [
      { level: 'info', message: 'cart loaded', data: { items: 3, card_token: '[REDACTED]' } },
      { level: 'warn', message: 'card declined by issuer', data: { context: 'Payments' } },
      { level: 'info', message: 'retrying with the backup provider', data: { provider: 'adyen' } },
      { level: 'log', message: 'static line', data: { context: 'Checkout' } },
    ]);
    const times = record.breadcrumbs!.map((b) => b.atMs);
    assert.deepEqual([...times].sort((a, b) => a - b), times, 'atMs grows');
    assert.ok(times[1] >= 2, `atMs counts from the start of the invocation: ${times}`);
    assert.equal(record.breadcrumbsDropped, undefined);
  });

  it('adds nothing to a successful request, and no record', async () => {
    memory.clear();
    assert.equal((await fetch(`${running.url}/checkout/pay`)).status, 200);
    await running.app.get(HudForensics).flush();
    assert.equal(memory.records.length, 0);
  });

  it('keeps the newest maxEntries, cuts messages to maxMessageLength and counts what was dropped', async () => {
    memory.clear();
    assert.equal((await fetch(`${running.url}/checkout/chatty?lines=8`)).status, 500);
    const record = await memory.waitFor((r) => r.invocation.name === 'GET /checkout/chatty');
    // 8 lines + the error line Nest's exception handler logs = 9, the newest 5 kept
    assert.equal(record.breadcrumbs!.length, 5);
    assert.equal(record.breadcrumbsDropped, 4);
    assert.deepEqual(
      record.breadcrumbs!.map((b) => b.message),
      ['line 4 ', 'line 5 ', 'line 6 ', 'line 7 ', 'Error: too chatty'],
    );
  });

  it('cuts a long message to maxMessageLength', async () => {
    memory.clear();
    assert.equal((await fetch(`${running.url}/checkout/chatty?lines=1`)).status, 500);
    const record = await memory.waitFor((r) => r.invocation.name === 'GET /checkout/chatty');
    assert.equal(record.breadcrumbs![0].message.length, 40);
    assert.match(record.breadcrumbs![0].message, /^line 0 x+…$/);
  });

  it('takes the levels log, warn, error and fatal by default: debug and verbose lines are not breadcrumbs', async () => {
    memory.clear();
    assert.equal((await fetch(`${running.url}/checkout/debug`)).status, 500);
    const record = await memory.waitFor((r) => r.invocation.name === 'GET /checkout/debug');
    assert.deepEqual(
      record.breadcrumbs!.map((b) => `${b.level} ${b.message}`),
      ['error an error line', 'error Error: fails'],
    );
  });

  it('never puts one request’s breadcrumbs on another’s record (200 concurrent requests)', async () => {
    memory.clear();
    const ids = Array.from({ length: 200 }, (_, i) => String(i));
    const statuses = await Promise.all(ids.map((id) => fetch(`${running.url}/checkout/concurrent/${id}`).then((r) => r.status)));
    assert.equal(statuses.filter((s) => s === 500).length, 100);
    await running.app.get(HudForensics).flush();
    const records = memory.records.filter((r) => r.invocation.name === 'GET /checkout/concurrent/:id');
    assert.equal(records.length, 100, 'one record per failing request');
    for (const record of records) {
      const id = record.context.request as string;
      assert.deepEqual(story(record), [
        { level: 'info', message: `start ${id}`, data: { id } },
        { level: 'warn', message: `charging ${id}`, data: { context: 'Payments' } },
        { level: 'info', message: `branch ${id}` },
        { level: 'error', message: `Error: request ${id} failed`, data: { context: 'ExceptionsHandler' } },
      ]);
    }
  });
});

describe('breadcrumbs on the record of a failing TCP message', () => {
  let running: RunningMicroservice;
  let memory: MemoryExporter;

  @Controller()
  class LedgerRpcController {
    @MessagePattern('ledger.post')
    async post(@Payload() entry: { id: string; fail: boolean }) {
      addBreadcrumb('entry received', { id: entry.id });
      await delay(randomInt(0, 5));
      new Logger('Ledger').warn(`posting ${entry.id}`);
      if (entry.fail) throw new Error(`cannot post ${entry.id}`);
      return entry.id;
    }
  }

  before(async () => {
    memory = new MemoryExporter();
    running = await startMicroservice('TCP', {
      imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false })],
      controllers: [LedgerRpcController],
    });
  });
  after(() => running.close());

  it('lists them in order, per message, never mixing concurrent messages', async () => {
    memory.clear();
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => outcomeOf(running.client, 'ledger.post', { id: `e${i}`, fail: i % 2 === 0 })),
    );
    assert.equal(outcomes.filter((o) => 'error' in o).length, 20);
    await running.app.get(HudForensics).flush();
    assert.equal(memory.records.length, 20);
    for (const record of memory.records) {
      assert.equal(record.invocation.kind, 'rpc');
      const id = story(record)[0]?.data?.id;
      assert.deepEqual(story(record).slice(0, 2), [
        { level: 'info', message: 'entry received', data: { id } },
        { level: 'warn', message: `posting ${id}`, data: { context: 'Ledger' } },
      ]);
      assert.equal(record.error?.message, `cannot post ${id}`);
    }
  });
});

describe('breadcrumbs on the record of a failing @HudInvocation job', () => {
  let running: RunningContext;
  let memory: MemoryExporter;
  before(async () => {
    memory = new MemoryExporter();
    running = await startAppContext({ imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false })], providers: [ReconcileJob] });
  });
  after(() => running.close());

  it('lists them in order; a successful run leaves none', async () => {
    memory.clear();
    const job = running.app.get(ReconcileJob);
    await job.run(false);
    await assert.rejects(job.run(true), /ledger out of balance/);
    await running.app.get(HudForensics).flush();
    assert.equal(memory.records.length, 1);
    assert.equal(memory.records[0].invocation.kind, 'job');
    assert.deepEqual(story(memory.records[0]), [
      { level: 'info', message: 'fetched 12 entries', data: { entries: 12 } },
      { level: 'warn', message: 'entry 7 does not balance', data: { context: 'Ledger' } },
    ]);
  });

  it('does nothing outside an invocation, and never throws', () => {
    assert.doesNotThrow(() => addBreadcrumb('at boot', { step: 1 }));
    assert.doesNotThrow(() => running.app.get(HudContextService).addBreadcrumb('at boot'));
    assert.doesNotThrow(() => new Logger('Boot').log('a line outside any invocation'));
  });

  it('drops a bad data key with its reason and keeps the breadcrumb and the other keys', async () => {
    memory.clear();
    assert.throws(() =>
      running.app.get(HudContextService).run('bad-data', () => {
        addBreadcrumb('with odd data', { ok: 'yes', nested: { a: 1 } as never, nan: Number.NaN, __proto__x: 'fine' });
        throw new Error('boom');
      }),
    );
    const record = await memory.waitFor((r) => r.invocation.name === 'bad-data');
    assert.deepEqual(story(record)[0], { level: 'info', message: 'with odd data', data: { ok: 'yes', __proto__x: 'fine' } });
  });
});

describe('breadcrumbs: false', () => {
  let running: RunningContext;
  let memory: MemoryExporter;
  before(async () => {
    memory = new MemoryExporter();
    running = await startAppContext({
      imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false, breadcrumbs: false })],
      providers: [ReconcileJob],
    });
  });
  after(() => running.close());

  it('records no breadcrumbs at all', async () => {
    await assert.rejects(running.app.get(ReconcileJob).run(true));
    await running.app.get(HudForensics).flush();
    assert.equal(memory.records.length, 1);
    assert.equal(memory.records[0].breadcrumbs, undefined);
  });
});

describe('breadcrumbs: { logger: false }', () => {
  it('keeps addBreadcrumb but not log lines', async () => {
    const memory = new MemoryExporter();
    const running = await startAppContext({
      imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false, breadcrumbs: { logger: false } })],
      providers: [ReconcileJob],
    });
    try {
      await assert.rejects(running.app.get(ReconcileJob).run(true));
      await running.app.get(HudForensics).flush();
      assert.deepEqual(story(memory.records[0]), [{ level: 'info', message: 'fetched 12 entries', data: { entries: 12 } }]);
    } finally {
      await running.close();
    }
  });

  it('works in unit tests through runInInvocation', () => {
    assert.doesNotThrow(() => runInInvocation(() => addBreadcrumb('in a unit test')));
  });
});
