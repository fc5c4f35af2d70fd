import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Injectable, Module, Param, Query } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Cron, CronExpression, Interval, ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { HudForensics, HudInvocation, HudModule, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { delay, randomInt } from './support/app-context.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

class JobFailure extends Error {
  override name = 'JobFailure';
}

@Injectable()
class InventoryJobs {
  ticks = 0;

  /** Every other tick fails. Decorator order: @HudInvocation first, then @Interval. */
  @Interval('inventory-sync', 15)
  @HudInvocation()
  async sync() {
    const tick = ++this.ticks;
    setContext({ tick });
    await delay(1);
    if (tick % 2 === 0) throw new JobFailure(`sync ${tick} failed`);
  }

  /** Never fires by itself during the test; fired through the SchedulerRegistry. Other order. */
  @HudInvocation('orders.cleanup')
  @Cron(CronExpression.EVERY_YEAR, { name: 'orders-cleanup' })
  cleanup() {
    setContext({ batch: 'yearly' });
    throw new JobFailure('cleanup failed');
  }
}

interface OrderEvent {
  orderId: string;
  fail?: boolean;
  delayMs?: number;
}

@Injectable()
class OrderListeners {
  /** A synchronous listener. */
  @OnEvent('order.created')
  @HudInvocation()
  onCreated(event: OrderEvent) {
    setContext({ listener_order: event.orderId });
    if (event.fail) throw new JobFailure(`listener failed for ${event.orderId}`);
  }

  /** An asynchronous listener; decorators in the other order. */
  @HudInvocation()
  @OnEvent('order.shipped')
  async onShipped(event: OrderEvent) {
    setContext({ shipped_order: event.orderId });
    await delay(event.delayMs ?? 0);
    if (event.fail) throw new JobFailure(`shipping failed for ${event.orderId}`);
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly events: EventEmitter2) {}

  /** emit(): the synchronous listener runs inside the request. */
  @Get('create/:id')
  create(@Param('id') id: string, @Query('fail') fail?: string) {
    setContext({ request_order: id });
    this.events.emit('order.created', { orderId: id, fail: fail === '1' });
    return { created: id };
  }

  /** await emitAsync(): the asynchronous listener finishes inside the request. */
  @Get('ship/:id')
  async ship(@Param('id') id: string, @Query('fail') fail?: string) {
    setContext({ request_order: id });
    await this.events.emitAsync('order.shipped', { orderId: id, fail: fail === '1', delayMs: 5 });
    return { shipped: id };
  }

  /** An event emitted by a timer the request started, after the request completed. */
  @Get('later/:id')
  later(@Param('id') id: string) {
    setContext({ request_order: id });
    setTimeout(() => this.events.emit('order.created', { orderId: id, fail: true }), 30);
    return { later: id };
  }

  /** emit() of an asynchronous listener that outlives the request (fire and forget). */
  @Get('fire/:id')
  fire(@Param('id') id: string) {
    setContext({ request_order: id });
    this.events.emit('order.shipped', { orderId: id, fail: true, delayMs: 80 });
    return { fired: id };
  }
}

function appModule(exporter: MemoryExporter) {
  @Module({
    imports: [
      HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: 5000 }),
      ScheduleModule.forRoot(),
      EventEmitterModule.forRoot(),
    ],
    controllers: [OrdersController],
    providers: [InventoryJobs, OrderListeners],
  })
  class AppModule {}
  return AppModule;
}

describe('@Cron, @Interval and @OnEvent with @HudInvocation()', () => {
  const exporter = new MemoryExporter();
  let running: RunningApp;
  const settle = () => running.app.get(HudForensics).flush();
  const named = (name: string): ForensicsRecord[] => exporter.records.filter((r) => r.invocation.name === name);

  before(async () => {
    running = await startHttpApp('express', { imports: [appModule(exporter)] });
  });
  after(() => running.close());

  it('records each failing @Interval tick as its own job, with that tick’s context only', async () => {
    // the interval runs every 15 ms from start-up: wait for a few failing ticks, then stop it
    await exporter.waitFor((r) => r.invocation.name === 'InventoryJobs.sync' && r.context.tick === 6, 5000);
    running.app.get(SchedulerRegistry).deleteInterval('inventory-sync');
    const ticks = running.app.get(InventoryJobs).ticks;
    // a tick already running when the interval was deleted still completes: wait for it (bounded)
    for (let i = 0; i < 100 && named('InventoryJobs.sync').length < Math.floor(ticks / 2); i++) await delay(20);
    await delay(20);
    await settle();
    const records = named('InventoryJobs.sync');
    assert.ok(ticks >= 6);
    assert.equal(records.length, Math.floor(ticks / 2), 'one record per failing tick, none for the others');
    for (const record of records) {
      assert.equal(record.invocation.kind, 'job');
      assert.equal(record.trigger, 'error');
      assert.deepEqual(Object.keys(record.context), ['tick']);
      assert.equal((record.context.tick as number) % 2, 0);
      assert.equal(record.error?.message, `sync ${record.context.tick} failed`);
    }
  });

  it('records a failing @Cron run under its given name', async () => {
    exporter.clear();
    const job = running.app.get(SchedulerRegistry).getCronJob('orders-cleanup');
    await job.fireOnTick();
    const record = await exporter.waitFor((r) => r.invocation.name === 'orders.cleanup');
    assert.equal(record.invocation.kind, 'job');
    assert.deepEqual(record.context, { batch: 'yearly' });
    assert.equal(record.error?.message, 'cleanup failed');
  });

  it('an event emitted outside any invocation: each listener call is its own invocation', async () => {
    exporter.clear();
    const events = running.app.get(EventEmitter2);
    events.emit('order.created', { orderId: 'bg-1', fail: true });
    events.emit('order.created', { orderId: 'bg-2', fail: false });
    await events.emitAsync('order.shipped', { orderId: 'bg-3', fail: true });
    await events.emitAsync('order.shipped', { orderId: 'bg-4', fail: false });
    await settle();
    assert.deepEqual(
      exporter.records.map((r) => [r.invocation.kind, r.invocation.name, r.context]),
      [
        ['job', 'OrderListeners.onCreated', { listener_order: 'bg-1' }],
        ['job', 'OrderListeners.onShipped', { shipped_order: 'bg-3' }],
      ],
    );
  });

  it('emit() inside a request: the listener joins the request, and its swallowed error still yields the request’s record', async () => {
    exporter.clear();
    const response = await fetch(`${running.url}/orders/create/o-1?fail=1`);
    assert.equal(response.status, 200, '@nestjs/event-emitter swallowed the listener error; the response is untouched');
    assert.deepEqual(await response.json(), { created: 'o-1' });
    const record = await exporter.waitFor((r) => r.invocation.name === 'GET /orders/create/:id');
    assert.equal(record.invocation.kind, 'http');
    assert.equal(record.trigger, 'error');
    assert.equal(record.invocation.http?.statusCode, 200);
    assert.deepEqual(record.context, { request_order: 'o-1', listener_order: 'o-1' });
    assert.equal(record.error?.message, 'listener failed for o-1');

    exporter.clear();
    assert.equal((await fetch(`${running.url}/orders/create/o-2`)).status, 200);
    await settle();
    assert.deepEqual(exporter.records, [], 'a listener that succeeds adds no record');
  });

  it('await emitAsync() inside a request: the async listener finishes in the request’s invocation', async () => {
    exporter.clear();
    assert.equal((await fetch(`${running.url}/orders/ship/o-3?fail=1`)).status, 200);
    const record = await exporter.waitFor((r) => r.invocation.name === 'GET /orders/ship/:id');
    assert.deepEqual(record.context, { request_order: 'o-3', shipped_order: 'o-3' });
    assert.equal(record.error?.message, 'shipping failed for o-3');
    await settle();
    assert.equal(exporter.records.length, 1);
  });

  it('an async listener that outlives its request and then fails gets a record of its own, with the request’s context', async () => {
    exporter.clear();
    assert.equal((await fetch(`${running.url}/orders/fire/o-4`)).status, 200);
    const record = await exporter.waitFor((r) => r.invocation.name === 'OrderListeners.onShipped');
    assert.equal(record.invocation.kind, 'job');
    assert.deepEqual(record.context, { request_order: 'o-4', shipped_order: 'o-4' });
    assert.equal(record.error?.message, 'shipping failed for o-4');
    assert.ok(record.durationMs >= 60, `timed from the call, durationMs ${record.durationMs}`);
    await settle();
    assert.equal(named('GET /orders/fire/:id').length, 0, 'the request itself succeeded');
  });

  it('a listener that starts after its request completed is an invocation of its own, with none of the request’s context', async () => {
    exporter.clear();
    assert.equal((await fetch(`${running.url}/orders/later/o-5`)).status, 200);
    const record = await exporter.waitFor((r) => r.invocation.name === 'OrderListeners.onCreated');
    assert.equal(record.invocation.kind, 'job');
    assert.deepEqual(record.context, { listener_order: 'o-5' });
    await settle();
    assert.equal(named('GET /orders/later/:id').length, 0, 'the completed request is not touched');
  });

  it('100 concurrent requests with random delays: every listener lands in its own request, never a stranger’s', async () => {
    exporter.clear();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        delay(randomInt(0, 20)).then(async () => {
          const path = i % 2 === 0 ? `create/c-${i}?fail=1` : `fire/f-${i}`;
          const response = await fetch(`${running.url}/orders/${path}`);
          await response.arrayBuffer();
        }),
      ),
    );
    // the 50 fire-and-forget listeners fail ~80 ms after their requests
    await exporter.waitFor(() => named('OrderListeners.onShipped').length === 50, 10_000).catch(() => undefined);
    await settle();
    const created = named('GET /orders/create/:id');
    const fired = named('OrderListeners.onShipped');
    assert.equal(created.length, 50);
    assert.equal(fired.length, 50);
    for (const record of created) {
      assert.equal(record.context.listener_order, record.context.request_order);
      assert.equal(record.error?.message, `listener failed for ${record.context.request_order}`);
    }
    for (const record of fired) {
      assert.equal(record.context.shipped_order, record.context.request_order);
      assert.equal(record.error?.message, `shipping failed for ${record.context.request_order}`);
    }
    assert.equal(new Set([...created, ...fired].map((r) => r.context.request_order)).size, 100);
  });
});
