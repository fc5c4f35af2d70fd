// @Cron, @Interval, @Timeout and @OnEvent handlers with no nestjs-hud code at all: the
// binding finds them by their metadata and makes each call an invocation of kind `job`.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Injectable, Module, Param } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Cron, CronExpression, Interval, ScheduleModule, SchedulerRegistry, Timeout } from '@nestjs/schedule';
import { getContext, HudForensics, HudInvocation, HudModule, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { delay } from './support/app-context.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

class JobFailure extends Error {
  override name = 'JobFailure';
}

@Injectable()
class StockJobs {
  ticks = 0;
  timeoutRan = false;

  /** Ticks until stopped by the test; every other tick fails. */
  @Interval('stock-sync', 15)
  async sync() {
    const tick = ++this.ticks;
    setContext({ tick });
    await delay(1);
    if (tick % 2 === 0) throw new JobFailure(`stock sync ${tick} failed`);
  }

  /** Runs once, soon after start-up, and fails. */
  @Timeout('stock-warmup', 20)
  warmup() {
    this.timeoutRan = true;
    setContext({ warmup: true });
    throw new JobFailure('warmup failed');
  }

  /** Never fires by itself during the test: fired through the SchedulerRegistry. */
  @Cron(CronExpression.EVERY_YEAR, { name: 'stock-audit' })
  async audit() {
    setContext({ audit: 'yearly' });
    await delay(1);
    throw new JobFailure('audit failed');
  }

  /** Both: @HudInvocation's name wins, and the run is recorded once. */
  @Cron(CronExpression.EVERY_YEAR, { name: 'stock-named' })
  @HudInvocation('stock.named-audit')
  named() {
    throw new JobFailure('named audit failed');
  }
}

interface PriceEvent {
  sku: string;
  fail?: boolean;
}

@Injectable()
class PriceListeners {
  /** What each call saw as context when it started: nothing of the emitter's past may leak in. */
  readonly seenAtStart: Record<string, unknown>[] = [];

  @OnEvent('price.changed')
  onChanged(event: PriceEvent) {
    this.seenAtStart.push(getContext());
    setContext({ sku: event.sku });
    if (event.fail) throw new JobFailure(`reprice failed for ${event.sku}`);
  }

  @OnEvent('price.checked')
  async onChecked(event: PriceEvent) {
    setContext({ checked_sku: event.sku });
    await delay(1);
    if (event.fail) throw new JobFailure(`check failed for ${event.sku}`);
  }

  /** The decorator in either order with @OnEvent: its name wins, one record per failing call. */
  @OnEvent('price.named')
  @HudInvocation('prices.named-listener')
  namedBelow(event: PriceEvent) {
    if (event.fail) throw new JobFailure(`named below failed for ${event.sku}`);
  }

  @HudInvocation()
  @OnEvent('price.named')
  namedAbove(event: PriceEvent) {
    if (event.fail) throw new JobFailure(`named above failed for ${event.sku}`);
  }
}

/** A listener on a controller: @nestjs/event-emitter finds those too. */
@Controller('prices')
class PricesController {
  constructor(private readonly events: EventEmitter2) {}

  @Get(':sku')
  change(@Param('sku') sku: string) {
    setContext({ request_sku: sku });
    this.events.emit('price.changed', { sku, fail: true });
    return { changed: sku };
  }

  @OnEvent('price.audited')
  onAudited(event: PriceEvent) {
    setContext({ audited_sku: event.sku });
    throw new JobFailure(`audit listener failed for ${event.sku}`);
  }
}

function appModule(exporter: MemoryExporter) {
  @Module({
    imports: [
      // the libraries first: their explorers run before HudModule's hooks would
      ScheduleModule.forRoot(),
      EventEmitterModule.forRoot(),
      HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: 5000 }),
    ],
    controllers: [PricesController],
    providers: [StockJobs, PriceListeners],
  })
  class AppModule {}
  return AppModule;
}

describe('@Cron, @Interval, @Timeout and @OnEvent without @HudInvocation()', () => {
  const exporter = new MemoryExporter();
  let running: RunningApp;
  const settle = () => running.app.get(HudForensics).flush();
  const named = (name: string): ForensicsRecord[] => exporter.records.filter((r) => r.invocation.name === name);

  before(async () => {
    running = await startHttpApp('express', { imports: [appModule(exporter)] });
  });
  after(() => running.close());

  it('records each failing @Interval tick once, as a job named ClassName.method with that tick’s context only', async () => {
    await exporter.waitFor((r) => r.invocation.name === 'StockJobs.sync' && r.context.tick === 4, 5000);
    running.app.get(SchedulerRegistry).deleteInterval('stock-sync');
    const jobs = running.app.get(StockJobs);
    // a tick already running when the interval was deleted still completes: wait for it (bounded)
    for (let i = 0; i < 100 && named('StockJobs.sync').length < Math.floor(jobs.ticks / 2); i++) await delay(20);
    await settle();
    const records = named('StockJobs.sync');
    assert.equal(records.length, Math.floor(jobs.ticks / 2), 'exactly one record per failing tick, none for the others');
    assert.deepEqual(
      records.map((r) => r.context.tick),
      Array.from({ length: records.length }, (_, i) => 2 * (i + 1)),
    );
    for (const record of records) {
      assert.equal(record.invocation.kind, 'job');
      assert.equal(record.trigger, 'error');
      assert.deepEqual(Object.keys(record.context), ['tick']);
      assert.equal(record.error?.name, 'JobFailure');
    }
  });

  it('records a failing @Timeout run', async () => {
    const record = await exporter.waitFor((r) => r.invocation.name === 'StockJobs.warmup', 5000);
    assert.equal(record.invocation.kind, 'job');
    assert.deepEqual(record.context, { warmup: true });
    assert.equal(record.error?.message, 'warmup failed');
    await settle();
    assert.equal(named('StockJobs.warmup').length, 1);
  });

  it('records a failing @Cron run; with @HudInvocation too, once and under the decorator’s name', async () => {
    exporter.clear();
    const registry = running.app.get(SchedulerRegistry);
    await registry.getCronJob('stock-audit').fireOnTick();
    await registry.getCronJob('stock-named').fireOnTick();
    await exporter.waitFor((r) => r.invocation.name === 'stock.named-audit');
    await exporter.waitFor((r) => r.invocation.name === 'StockJobs.audit');
    await settle();
    assert.deepEqual(
      exporter.records.map((r) => [r.invocation.kind, r.invocation.name, r.context, r.error?.message]).sort(),
      [
        ['job', 'StockJobs.audit', { audit: 'yearly' }, 'audit failed'],
        ['job', 'stock.named-audit', {}, 'named audit failed'],
      ],
    );
  });

  it('a failing @OnEvent listener emitted outside any request gives exactly one record; one that succeeds gives none', async () => {
    exporter.clear();
    const events = running.app.get(EventEmitter2);
    events.emit('price.changed', { sku: 'bg-1', fail: true });
    events.emit('price.changed', { sku: 'bg-2' });
    await events.emitAsync('price.checked', { sku: 'bg-3', fail: true });
    await events.emitAsync('price.checked', { sku: 'bg-4' });
    events.emit('price.audited', { sku: 'bg-5' });
    await exporter.waitFor((r) => r.invocation.name === 'PricesController.onAudited');
    await settle();
    assert.deepEqual(
      exporter.records.map((r) => [r.invocation.kind, r.invocation.name, r.context, r.error?.message]),
      [
        ['job', 'PriceListeners.onChanged', { sku: 'bg-1' }, 'reprice failed for bg-1'],
        ['job', 'PriceListeners.onChecked', { checked_sku: 'bg-3' }, 'check failed for bg-3'],
        ['job', 'PricesController.onAudited', { audited_sku: 'bg-5' }, 'audit listener failed for bg-5'],
      ],
    );
    const listeners = running.app.get(PriceListeners);
    assert.deepEqual(listeners.seenAtStart.slice(-2), [{}, {}], 'each call starts with an empty context');
  });

  it('a listener that also carries @HudInvocation: one record per failing call, under the decorator’s name', async () => {
    exporter.clear();
    const events = running.app.get(EventEmitter2);
    events.emit('price.named', { sku: 'n-1', fail: true });
    await exporter.waitFor((r) => r.invocation.name === 'prices.named-listener');
    await exporter.waitFor((r) => r.invocation.name === 'PriceListeners.namedAbove');
    await settle();
    assert.deepEqual(exporter.records.map((r) => r.invocation.name).sort(), ['PriceListeners.namedAbove', 'prices.named-listener']);
  });

  it('a listener called inside a request joins it: one record, the request’s, with both contexts', async () => {
    exporter.clear();
    const response = await fetch(`${running.url}/prices/in-1`);
    assert.equal(response.status, 200, '@nestjs/event-emitter swallowed the listener error; the response is untouched');
    const record = await exporter.waitFor((r) => r.invocation.name === 'GET /prices/:sku');
    assert.equal(record.invocation.kind, 'http');
    assert.deepEqual(record.context, { request_sku: 'in-1', sku: 'in-1' });
    assert.equal(record.error?.message, 'reprice failed for in-1');
    await settle();
    assert.equal(exporter.records.length, 1, 'no record of its own for the listener');
  });
});
