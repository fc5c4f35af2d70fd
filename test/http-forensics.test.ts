import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ArgumentsHost,
  Body,
  CanActivate,
  Catch,
  Controller,
  ExceptionFilter,
  Get,
  HttpException,
  Injectable,
  MiddlewareConsumer,
  Module,
  NestMiddleware,
  NestModule,
  Param,
  PipeTransform,
  Post,
  ServiceUnavailableException,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { HudContextService, HudForensics, HudModule, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

/**
 * Far above what a fast request takes even on a busy shared machine (a 404 once took 50 ms
 * there), so that only the slow route is recorded for its duration.
 */
// Generous: on a loaded 2-core machine a fast request has been seen to take 75 ms.
const SLOW_THRESHOLD_MS = 400;

class PaymentTimeout extends Error {
  override name = 'PaymentTimeout';
}

@Injectable()
class ClientContextMiddleware implements NestMiddleware {
  use(req: { headers: Record<string, string | undefined> }, _res: unknown, next: () => void) {
    setContext({
      client_id: req.headers['x-client-id'],
      request_id: req.headers['x-request-id'],
      user_tier: req.headers['x-user-tier'],
    });
    next();
  }
}

@Injectable()
class TierGuard implements CanActivate {
  canActivate(): boolean {
    setContext({ guard_ran: true });
    return true;
  }
}

@Injectable()
class CountItemsPipe implements PipeTransform {
  transform(value: { items?: unknown[] }) {
    setContext({ pipe_items: Array.isArray(value?.items) ? value.items.length : 0 });
    return value;
  }
}

/** The app's own filter: it must see the very error the handler threw. */
const seenByFilter: unknown[] = [];
@Catch(PaymentTimeout)
class PaymentFilter implements ExceptionFilter {
  catch(error: PaymentTimeout, host: ArgumentsHost) {
    seenByFilter.push(error);
    setContext({ filter_ran: true });
    const response = host.switchToHttp().getResponse();
    const body = { error: 'payment', detail: error.message };
    if (typeof response.status === 'function' && typeof response.json === 'function') response.status(502).json(body);
    else response.code(502).send(body);
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly hud: HudContextService) {}

  @Post()
  @UseGuards(TierGuard)
  @UseFilters(PaymentFilter)
  create(@Body(CountItemsPipe) dto: { items: string[]; express: boolean }) {
    this.hud.set({ order_items: dto.items.length, express: dto.express });
    throw new PaymentTimeout('payment gateway timeout');
  }

  @Get('ok/:id')
  ok(@Param('id') id: string) {
    this.hud.set('order_id', id);
    return { id };
  }

  @Get('unavailable')
  unavailable() {
    setContext({ step: 'inventory' });
    throw new ServiceUnavailableException('inventory down');
  }

  @Get('bad-request')
  badRequest() {
    throw new HttpException('nope', 400);
  }

  @Get('slow')
  async slow() {
    setContext({ step: 'slow' });
    await new Promise((resolve) => setTimeout(resolve, SLOW_THRESHOLD_MS + 200));
    return { ok: true };
  }

  @Get('crash')
  crash() {
    setContext({ step: 'crash' });
    throw new Error('boom');
  }
}

function appModule(exporter: MemoryExporter) {
  @Module({
    imports: [
      HudModule.forRoot({ service: 'orders-api', slowThresholdMs: SLOW_THRESHOLD_MS, exporters: [exporter], rateLimit: false }),
    ],
    controllers: [OrdersController],
  })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      consumer.apply(ClientContextMiddleware).forRoutes('*');
    }
  }
  return AppModule;
}

async function settle(app: RunningApp) {
  await app.app.get(HudForensics).flush();
}

for (const platform of PLATFORMS) {
  describe(`HTTP forensics on ${platform}`, () => {
    const exporter = new MemoryExporter();
    let running: RunningApp;
    before(async () => {
      running = await startHttpApp(platform, { imports: [appModule(exporter)] });
    });
    after(() => running.close());

    const recordsFor = (name: string): ForensicsRecord[] => exporter.records.filter((r) => r.invocation.name === name);

    it('records the example of the contract: middleware, guard, pipe, handler and filter context in one record', async () => {
      exporter.clear();
      seenByFilter.length = 0;
      const response = await fetch(`${running.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-client-id': 'acme', 'x-user-tier': 'pro' },
        body: JSON.stringify({ items: ['a', 'b', 'c'], express: true }),
      });
      // the app's own filter answered, untouched by the module
      assert.equal(response.status, 502);
      assert.deepEqual(await response.json(), { error: 'payment', detail: 'payment gateway timeout' });
      assert.equal(seenByFilter.length, 1);
      assert.ok(seenByFilter[0] instanceof PaymentTimeout);

      const record = await exporter.waitFor((r) => r.invocation.name === 'POST /orders');
      assert.equal(record.trigger, 'error');
      assert.equal(record.service, 'orders-api');
      assert.equal(record.invocation.kind, 'http');
      assert.deepEqual(record.context, {
        client_id: 'acme',
        user_tier: 'pro',
        guard_ran: true,
        pipe_items: 3,
        order_items: 3,
        express: true,
        filter_ran: true,
      });
      // x-request-id was absent: ignored, not an error
      assert.equal(record.dropped, undefined);
      assert.equal(record.error?.name, 'PaymentTimeout');
      assert.equal(record.error?.message, 'payment gateway timeout');
      assert.match(record.error?.stack ?? '', /payment gateway timeout/);
      assert.deepEqual(record.invocation.http, { method: 'POST', route: '/orders', url: '/orders', statusCode: 502 });
      await settle(running);
      assert.equal(recordsFor('POST /orders').length, 1, 'exactly one record per failure');
    });

    it('records a 5xx HttpException once, with its status', async () => {
      exporter.clear();
      const response = await fetch(`${running.url}/orders/unavailable`, { headers: { 'x-client-id': 'globex' } });
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { message: 'inventory down', error: 'Service Unavailable', statusCode: 503 });
      const record = await exporter.waitFor((r) => r.invocation.name === 'GET /orders/unavailable');
      assert.equal(record.trigger, 'error');
      assert.equal(record.error?.status, 503);
      assert.equal(record.invocation.http?.statusCode, 503);
      assert.deepEqual(record.context, { client_id: 'globex', step: 'inventory' });
      await settle(running);
      assert.equal(recordsFor('GET /orders/unavailable').length, 1);
    });

    it('records an unexpected Error with the 500 Nest sent', async () => {
      exporter.clear();
      const response = await fetch(`${running.url}/orders/crash?secret=1`);
      assert.equal(response.status, 500);
      assert.deepEqual(await response.json(), { statusCode: 500, message: 'Internal server error' });
      const record = await exporter.waitFor((r) => r.invocation.name === 'GET /orders/crash');
      assert.equal(record.trigger, 'error');
      assert.equal(record.error?.message, 'boom');
      assert.equal(record.invocation.http?.url, '/orders/crash', 'the query string is left out');
    });

    it('records a slow success with trigger duration', async () => {
      exporter.clear();
      const response = await fetch(`${running.url}/orders/slow`, { headers: { 'x-request-id': 'r-1' } });
      assert.equal(response.status, 200);
      const record = await exporter.waitFor((r) => r.invocation.name === 'GET /orders/slow');
      assert.equal(record.trigger, 'duration');
      assert.ok(record.durationMs >= SLOW_THRESHOLD_MS, `durationMs ${record.durationMs}`);
      assert.equal(record.error, undefined);
      assert.deepEqual(record.context, { request_id: 'r-1', step: 'slow' });
    });

    it('records nothing for a fast success, a 4xx or an unknown route', async () => {
      exporter.clear();
      const ok = await fetch(`${running.url}/orders/ok/42`);
      assert.deepEqual(await ok.json(), { id: '42' });
      assert.equal((await fetch(`${running.url}/orders/bad-request`)).status, 400);
      assert.equal((await fetch(`${running.url}/nowhere`)).status, 404);
      await settle(running);
      assert.deepEqual(exporter.records, []);
      assert.equal(running.app.get(HudForensics).stats().recorded >= 4, true);
    });
  });
}
