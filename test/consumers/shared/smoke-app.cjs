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

/**
 * @param {object} modules `common`, `core`, `adapter` (a function returning a new HTTP adapter),
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
  };
  // One line the smoke test looks for; everything else on stdout is ignored.
  console.log(`HUD_SMOKE_RESULT ${JSON.stringify(result)}`);
}

module.exports = { runSmoke };
