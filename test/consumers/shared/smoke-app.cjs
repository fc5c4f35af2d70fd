// The app every consumer entry runs, written once in plain JavaScript (decorators applied by
// hand) and handed the modules the entry loaded, so each entry exercises exactly its own
// format: `require` entries pass CommonJS copies, `import` entries pass ESM ones.
//
// It serves on 127.0.0.1, sends one failing and one succeeding request, and returns what
// happened; the smoke test (consumers.smoke.mjs) judges it. Twice: with the module enabled,
// and with `enabled: false`, where nothing may change but the absence of records.
'use strict';

async function serve({ common, core, adapter, hud, enabled }) {
  const { Controller, Get, Inject, Module, Param } = common;
  const memory = new hud.MemoryExporter();

  class OrdersController {
    constructor(context) {
      this.context = context;
    }
    fail(id) {
      hud.setContext({ order_id: id });
      this.context.set('handler', 'fail');
      throw new Error('payment gateway timeout');
    }
    ok() {
      return { ok: true, client: this.context.get('client_id') ?? null };
    }
  }
  Inject(hud.HudContextService)(OrdersController, undefined, 0);
  Param('id')(OrdersController.prototype, 'fail', 0);
  for (const [method, path] of [['fail', ':id/fail'], ['ok', 'ok']]) {
    Get(path)(OrdersController.prototype, method, Object.getOwnPropertyDescriptor(OrdersController.prototype, method));
  }
  Controller('orders')(OrdersController);

  class AppModule {}
  Module({
    imports: [
      hud.HudModule.forRoot({
        enabled,
        service: 'consumer-smoke',
        fromHeaders: { client_id: 'x-client-id' },
        exporters: [memory],
      }),
    ],
    controllers: [OrdersController],
  })(AppModule);

  const app = await core.NestFactory.create(AppModule, adapter(), { logger: false });
  // A global middleware of the app's own, the seed's pattern: its context must land too.
  app.use((_req, _res, next) => {
    hud.setContext({ via_app_use: true });
    next();
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address();
  const get = async (path) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { 'x-client-id': 'acme' },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: await response.json() };
  };
  try {
    const failed = await get('/orders/42/fail');
    const succeeded = await get('/orders/ok');
    let record = null;
    if (enabled) {
      record = await memory.waitFor((r) => r.invocation.name === 'GET /orders/:id/fail', 5000);
    }
    await app.get(hud.HudForensics).flush();
    return { failed, succeeded, record, recordCount: memory.records.length };
  } finally {
    await app.close();
  }
}

/** Resolves with the first value `observable` emits, or rejects with its error. */
function firstValue(observable) {
  return new Promise((resolve, reject) => {
    const subscription = observable.subscribe({
      next: (value) => {
        resolve(value);
        subscription?.unsubscribe();
      },
      error: reject,
      complete: () => reject(new Error('completed without a value')),
    });
  });
}

/**
 * Propagation over TCP with this Nest's own @nestjs/microservices: an HTTP app whose
 * handler sends a message through `withHudPropagation(client)` to a TCP microservice whose
 * handler fails. The microservice's record must carry the caller's `client_id`.
 */
async function propagateOverTcp({ common, core, microservices, adapter, hud }) {
  const { Controller, Get, Inject, Module } = common;
  const { ClientProxyFactory, MessagePattern, Transport } = microservices;
  const propagation = { keys: ['client_id'] };
  const billingRecords = new hud.MemoryExporter();

  class BillingController {
    charge(data) {
      hud.setContext({ amount: data.amount });
      throw new Error('ledger locked');
    }
  }
  MessagePattern('billing.charge')(BillingController.prototype, 'charge', Object.getOwnPropertyDescriptor(BillingController.prototype, 'charge'));
  Controller()(BillingController);
  class BillingModule {}
  Module({
    imports: [hud.HudModule.forRoot({ service: 'consumer-billing', propagation, exporters: [billingRecords] })],
    controllers: [BillingController],
  })(BillingModule);
  const billing = await core.NestFactory.createMicroservice(BillingModule, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: 0 },
    logger: false,
  });
  await billing.listen();
  const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: billing.unwrap().address().port } });

  class OrdersController {
    constructor(billingClient) {
      this.billing = hud.withHudPropagation(billingClient);
    }
    async charge() {
      try {
        return { billing: await firstValue(this.billing.send('billing.charge', { amount: 42 })) };
      } catch (error) {
        return { billing: 'failed', message: error.message };
      }
    }
  }
  Inject('BILLING')(OrdersController, undefined, 0);
  Get('charge')(OrdersController.prototype, 'charge', Object.getOwnPropertyDescriptor(OrdersController.prototype, 'charge'));
  Controller('orders')(OrdersController);
  class OrdersModule {}
  Module({
    imports: [hud.HudModule.forRoot({ service: 'consumer-orders', fromHeaders: { client_id: 'x-client-id' }, propagation, exporters: [new hud.MemoryExporter()] })],
    controllers: [OrdersController],
    providers: [{ provide: 'BILLING', useValue: client }],
  })(OrdersModule);
  const orders = await core.NestFactory.create(OrdersModule, adapter(), { logger: false });
  await orders.listen(0, '127.0.0.1');
  try {
    const response = await fetch(`http://127.0.0.1:${orders.getHttpServer().address().port}/orders/charge`, {
      headers: { 'x-client-id': 'acme' },
      signal: AbortSignal.timeout(10_000),
    });
    const record = await billingRecords.waitFor((r) => r.invocation.name === 'billing.charge', 5000);
    return { response: { status: response.status, body: await response.json() }, record };
  } finally {
    await orders.close();
    await client.close();
    await billing.close();
  }
}

/**
 * `@Interval` and `@OnEvent` handlers of this Nest's `@nestjs/schedule` and
 * `@nestjs/event-emitter`, with no nestjs-hud code: each failing call must be one record of
 * kind `job`, named `ClassName.method`.
 */
async function scheduleAndEvents({ common, core, hud, schedule, events }) {
  const { Injectable, Module } = common;
  const memory = new hud.MemoryExporter();

  class StockJobs {
    constructor() {
      this.ticks = 0;
    }
    sync() {
      this.ticks++;
      hud.setContext({ tick: this.ticks });
      throw new Error(`sync ${this.ticks} failed`);
    }
    onOrder(event) {
      hud.setContext({ order_id: event.id });
      throw new Error(`listener failed for ${event.id}`);
    }
  }
  schedule.Interval('smoke-sync', 20)(StockJobs.prototype, 'sync', Object.getOwnPropertyDescriptor(StockJobs.prototype, 'sync'));
  events.OnEvent('order.created')(StockJobs.prototype, 'onOrder', Object.getOwnPropertyDescriptor(StockJobs.prototype, 'onOrder'));
  Injectable()(StockJobs);

  class JobsModule {}
  Module({
    imports: [schedule.ScheduleModule.forRoot(), events.EventEmitterModule.forRoot(), hud.HudModule.forRoot({ exporters: [memory], rateLimit: false })],
    providers: [StockJobs],
  })(JobsModule);
  const app = await core.NestFactory.createApplicationContext(JobsModule, { logger: false });
  try {
    const tick = await memory.waitFor((r) => r.invocation.name === 'StockJobs.sync', 10_000);
    app.get(schedule.SchedulerRegistry).deleteInterval('smoke-sync');
    await app.get(events.EventEmitter2).emitAsync('order.created', { id: 'o-7' });
    const listener = await memory.waitFor((r) => r.invocation.name === 'StockJobs.onOrder', 5000);
    const summary = (r) => ({ kind: r.invocation.kind, name: r.invocation.name, context: r.context, message: r.error && r.error.message });
    return { tick: summary(tick), listener: summary(listener) };
  } finally {
    await app.close();
  }
}

/**
 * A Redis microservice with propagation on, booted (`init()`) but never connected: the
 * warnings it logs about propagation. Nest 11's Redis server drops packet metadata, which
 * nestjs-hud says at boot; Nest 12's carries it, and nothing is said.
 */
async function redisPropagationWarnings({ common, core, microservices, hud }) {
  const { Controller, Module } = common;
  const { MessagePattern, Transport } = microservices;
  class BillingController {
    charge() {
      return { ok: true };
    }
  }
  MessagePattern('billing.charge')(BillingController.prototype, 'charge', Object.getOwnPropertyDescriptor(BillingController.prototype, 'charge'));
  Controller()(BillingController);
  class BillingModule {}
  Module({
    imports: [hud.HudModule.forRoot({ propagation: { keys: ['client_id'] }, exporters: [new hud.MemoryExporter()] })],
    controllers: [BillingController],
  })(BillingModule);
  const lines = [];
  const keep = (message) => void lines.push(String(message));
  const logger = { log: keep, error: keep, warn: keep, debug: keep, verbose: keep, fatal: keep };
  // port 1 on 127.0.0.1: nothing connects there, and init() connects nothing anyway
  const app = await core.NestFactory.createMicroservice(BillingModule, { transport: Transport.REDIS, options: { host: '127.0.0.1', port: 1 }, logger });
  await app.init();
  await app.close();
  return { booted: lines.some((line) => line.includes('dependencies initialized')), warnings: lines.filter((line) => line.includes('propagation')) };
}

/**
 * @param {object} modules `common`, `core`, `microservices`, `schedule`, `events` (`@nestjs/event-emitter`),
 *   `adapter` (a function returning a new HTTP adapter),
 *   `hud` (the nestjs-hud module object), `resolved` (where `nestjs-hud` resolved to),
 *   `nestVersion`, `format` ('cjs' | 'esm')
 */
async function runSmoke(modules) {
  const result = {
    format: modules.format,
    node: process.version,
    nestVersion: modules.nestVersion,
    resolved: modules.resolved,
    enabled: await serve({ ...modules, enabled: true }),
    disabled: await serve({ ...modules, enabled: false }),
    propagation: await propagateOverTcp(modules),
    jobs: await scheduleAndEvents(modules),
    redisPropagation: await redisPropagationWarnings(modules),
  };
  // One line the smoke test looks for; everything else on stdout is ignored.
  console.log(`HUD_SMOKE_RESULT ${JSON.stringify(result)}`);
}

module.exports = { runSmoke };
