import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Param, Post } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  CqrsModule,
  EventBus,
  EventsHandler,
  QueryBus,
  QueryHandler,
  type ICommandHandler,
  type IEventHandler,
  type IQueryHandler,
} from '@nestjs/cqrs';
import { HudForensics, HudModule, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { delay } from './support/app-context.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

class CreateOrderCommand {
  constructor(
    readonly orderId: string,
    readonly fail = false,
    readonly waitMs = 0,
  ) {}
}

class GetOrderQuery {
  constructor(readonly orderId: string) {}
}

class OrderShippedEvent {
  constructor(readonly orderId: string) {}
}

class OutOfStock extends Error {
  override name = 'OutOfStock';
}

@CommandHandler(CreateOrderCommand)
class CreateOrderHandler implements ICommandHandler<CreateOrderCommand> {
  async execute(command: CreateOrderCommand): Promise<string> {
    setContext({ order_id: command.orderId });
    await delay(command.waitMs);
    setContext({ checked_stock_for: command.orderId }); // after the wait: still this command's
    if (command.fail) throw new OutOfStock(`no stock for ${command.orderId}`);
    return `created ${command.orderId}`;
  }
}

@QueryHandler(GetOrderQuery)
class GetOrderHandler implements IQueryHandler<GetOrderQuery> {
  execute(query: GetOrderQuery): Promise<never> {
    setContext({ queried: query.orderId });
    return Promise.reject(new Error(`order ${query.orderId} not found`));
  }
}

/** Fails: `@nestjs/cqrs` catches and logs it, and the publisher never hears of it. */
@EventsHandler(OrderShippedEvent)
class NotifyCustomerHandler implements IEventHandler<OrderShippedEvent> {
  handle(event: OrderShippedEvent): void {
    setContext({ notified_for: event.orderId });
    throw new Error(`mailer down for ${event.orderId}`);
  }
}

/** Handles the same event and succeeds. */
@EventsHandler(OrderShippedEvent)
class UpdateStatsHandler implements IEventHandler<OrderShippedEvent> {
  handle(): void {
    setContext({ stats_updated: true });
  }
}

@Controller('orders')
class OrdersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly events: EventBus,
  ) {}

  @Post(':id')
  async create(@Param('id') id: string) {
    setContext({ route: 'create' });
    return this.commands.execute(new CreateOrderCommand(id, id.startsWith('fail')));
  }

  @Post(':id/ship')
  ship(@Param('id') id: string) {
    setContext({ route: 'ship' });
    this.events.publish(new OrderShippedEvent(id));
    return { shipped: id };
  }
}

describe('@nestjs/cqrs handlers', () => {
  const exporter = new MemoryExporter();
  let running: RunningApp;

  before(async () => {
    running = await startHttpApp('express', {
      imports: [CqrsModule.forRoot(), HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: false })],
      controllers: [OrdersController],
      providers: [CreateOrderHandler, GetOrderHandler, NotifyCustomerHandler, UpdateStatsHandler],
    });
  });
  after(() => running?.close());

  const flush = () => running.app.get(HudForensics).flush();
  const recordsOf = (predicate: (r: ForensicsRecord) => boolean) => exporter.records.filter(predicate);

  it('records a failing command run outside a request as a job named after the command', async () => {
    const commands = running.app.get(CommandBus);
    await assert.rejects(commands.execute(new CreateOrderCommand('o-1', true)), OutOfStock, 'the caller gets the error');
    assert.equal(await commands.execute(new CreateOrderCommand('o-ok')), 'created o-ok');
    await flush();
    const records = recordsOf((r) => r.invocation.name === 'CreateOrderCommand');
    assert.equal(records.length, 1, 'the successful command left no record');
    const [record] = records as [ForensicsRecord];
    assert.equal(record.invocation.kind, 'job');
    assert.equal(record.trigger, 'error');
    assert.deepEqual(record.error && { name: record.error.name, message: record.error.message }, {
      name: 'OutOfStock',
      message: 'no stock for o-1',
    });
    assert.deepEqual(record.context, { order_id: 'o-1', checked_stock_for: 'o-1' });
  });

  it('records a failing query as a job named after the query', async () => {
    await assert.rejects(running.app.get(QueryBus).execute(new GetOrderQuery('o-2')), /order o-2 not found/);
    const record = await exporter.waitFor((r) => r.invocation.name === 'GetOrderQuery');
    assert.equal(record.invocation.kind, 'job');
    assert.deepEqual(record.context, { queried: 'o-2' });
  });

  it('records a throwing @EventsHandler, which @nestjs/cqrs swallows, as a job named event -> handler', async () => {
    running.app.get(EventBus).publish(new OrderShippedEvent('o-3'));
    const record = await exporter.waitFor((r) => r.context.notified_for === 'o-3');
    assert.equal(record.invocation.kind, 'job');
    assert.equal(record.invocation.name, 'OrderShippedEvent -> NotifyCustomerHandler');
    assert.equal(record.error?.message, 'mailer down for o-3');
    assert.deepEqual(record.context, { notified_for: 'o-3' });
    await flush();
    assert.deepEqual(
      recordsOf((r) => r.invocation.name.startsWith('OrderShippedEvent')).map((r) => r.invocation.name),
      ['OrderShippedEvent -> NotifyCustomerHandler'],
      'the handler that succeeded left no record',
    );
  });

  it('inside a request, a command belongs to the request: its context and its error land in the request record', async () => {
    exporter.clear();
    const response = await fetch(`${running.url}/orders/fail-4`, { method: 'POST' });
    assert.equal(response.status, 500);
    const record = await exporter.waitFor((r) => r.invocation.kind === 'http');
    assert.equal(record.invocation.name, 'POST /orders/:id');
    assert.equal(record.error?.name, 'OutOfStock');
    assert.deepEqual(record.context, { route: 'create', order_id: 'fail-4', checked_stock_for: 'fail-4' });
    await flush();
    assert.equal(exporter.records.length, 1, 'no record of its own for the command');
  });

  it('inside a request, a swallowed event handler failure lands in the request record', async () => {
    exporter.clear();
    const response = await fetch(`${running.url}/orders/o-5/ship`, { method: 'POST' });
    assert.equal(response.status, 201, 'the client is answered as without nestjs-hud');
    assert.deepEqual(await response.json(), { shipped: 'o-5' });
    const record = await exporter.waitFor((r) => r.invocation.kind === 'http');
    assert.equal(record.invocation.name, 'POST /orders/:id/ship');
    assert.equal(record.error?.message, 'mailer down for o-5');
    assert.deepEqual(record.context, { route: 'ship', notified_for: 'o-5', stats_updated: true });
    await flush();
    assert.equal(exporter.records.length, 1);
  });

  it('keeps concurrent commands apart', async () => {
    exporter.clear();
    const commands = running.app.get(CommandBus);
    const ids = Array.from({ length: 20 }, (_, i) => `c-${i}`);
    // waits that make the commands overlap and finish in another order than they started
    const outcomes = await Promise.allSettled(ids.map((id, i) => commands.execute(new CreateOrderCommand(id, true, (i * 7) % 11))));
    assert.ok(outcomes.every((outcome) => outcome.status === 'rejected'));
    await flush();
    const records = recordsOf((r) => r.invocation.name === 'CreateOrderCommand');
    assert.equal(records.length, ids.length);
    for (const record of records) {
      const id = String(record.context.order_id);
      assert.equal(record.error?.message, `no stock for ${id}`);
      assert.deepEqual(record.context, { order_id: id, checked_stock_for: id });
    }
    assert.deepEqual(records.map((r) => r.context.order_id).sort(), [...ids].sort());
  });
});
