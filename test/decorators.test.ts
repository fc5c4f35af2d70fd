import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Param, Post } from '@nestjs/common';
import {
  HudContext,
  HudForensics,
  HudModule,
  HudSlowThreshold,
  MemoryExporter,
  SetHudContext,
  type ForensicsRecord,
  type HudContextHandle,
} from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface HttpRequestLike {
  params: Record<string, string>;
  headers: Record<string, string | undefined>;
}

@Controller('shop')
@SetHudContext({ feature: 'shop', layer: 'class' })
class ShopController {
  @Post(':region/orders')
  @SetHudContext((ctx) => {
    const req = ctx.switchToHttp().getRequest<HttpRequestLike>();
    return { layer: 'method', region: req.params.region, client_id: req.headers['x-client-id'] };
  })
  create(@HudContext() hud: HudContextHandle, @HudContext('client_id') clientId?: string) {
    hud.set({ seen_client: clientId ?? 'none' });
    hud.set('step', 'charge');
    throw new Error('card declined');
  }

  @Get(':region/orders/:id')
  @SetHudContext((ctx) => ({ order_id: ctx.switchToHttp().getRequest<HttpRequestLike>().params.id }))
  find(
    @Param('id') id: string,
    @HudContext() hud: HudContextHandle,
    @HudContext('order_id') orderId?: string,
    @HudContext('absent') absent?: string,
  ) {
    hud.set('found', true);
    return { id, orderId, absent: absent ?? null, context: hud.getAll(), one: hud.get('feature') ?? null };
  }

  @Get('slow')
  @HudSlowThreshold(30)
  async slow() {
    await delay(120);
    return { ok: true };
  }
}

@Controller('reports')
@HudSlowThreshold(30)
class ReportsController {
  @Get('monthly')
  async monthly() {
    await delay(120);
    return { rows: 1 };
  }

  @Get('export')
  @HudSlowThreshold(false)
  async export() {
    await delay(120);
    return { rows: 2 };
  }

  /** Were NaN kept, it would override the class's 30 ms and never match. */
  @Get('bad-threshold')
  @HudSlowThreshold(Number.NaN)
  async badThreshold() {
    await delay(120);
    return { rows: 3 };
  }
}

for (const platform of PLATFORMS) {
  describe(`decorators in HTTP controllers on ${platform}`, () => {
    const exporter = new MemoryExporter();
    let running: RunningApp;
    before(async () => {
      running = await startHttpApp(platform, {
        // no default slowness: only @HudSlowThreshold makes duration records, whatever the machine's load
        imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: false })],
        controllers: [ShopController, ReportsController],
      });
    });
    after(() => running?.close());

    const flush = () => running.app.get(HudForensics).flush();
    const recordsNamed = (name: string): ForensicsRecord[] => exporter.records.filter((r) => r.invocation.name === name);

    it('@SetHudContext merges class and method values (method wins), its function form reads headers and params, @HudContext injects handle and value', async () => {
      const response = await fetch(`${running.url}/shop/eu/orders`, { method: 'POST', headers: { 'x-client-id': 'acme' } });
      assert.equal(response.status, 500);
      const record = await exporter.waitFor((r) => r.invocation.name === 'POST /shop/:region/orders');
      assert.equal(record.error?.message, 'card declined');
      assert.deepEqual(record.context, {
        feature: 'shop',
        layer: 'method',
        region: 'eu',
        client_id: 'acme',
        seen_client: 'acme',
        step: 'charge',
      });
    });

    it('@HudContext injects the handle and values (undefined for an unset key) into a successful handler, which records nothing', async () => {
      const response = await fetch(`${running.url}/shop/us/orders/42`);
      assert.deepEqual(await response.json(), {
        id: '42',
        orderId: '42',
        absent: null,
        context: { feature: 'shop', layer: 'class', order_id: '42', found: true },
        one: 'shop',
      });
      await flush();
      assert.deepEqual(recordsNamed('GET /shop/:region/orders/:id'), []);
    });

    it('@HudSlowThreshold on a method and on a class overrides slowThresholdMs; false turns it off; a bad value is ignored', async () => {
      for (const path of ['/shop/slow', '/reports/monthly', '/reports/export', '/reports/bad-threshold']) {
        assert.equal((await fetch(`${running.url}${path}`)).status, 200, path);
      }
      const byMethod = await exporter.waitFor((r) => r.invocation.name === 'GET /shop/slow');
      assert.equal(byMethod.trigger, 'duration');
      assert.ok(byMethod.durationMs >= 100, `durationMs ${byMethod.durationMs}`);
      const byClass = await exporter.waitFor((r) => r.invocation.name === 'GET /reports/monthly');
      assert.equal(byClass.trigger, 'duration');
      const ignored = await exporter.waitFor((r) => r.invocation.name === 'GET /reports/bad-threshold');
      assert.equal(ignored.trigger, 'duration', 'NaN was ignored: the class-level 30 ms applies');
      await flush();
      assert.deepEqual(recordsNamed('GET /reports/export'), [], 'the method-level false wins over the class');
    });
  });
}

describe('decorators without an active HudModule', () => {
  it('the handle does nothing and values are undefined, the handler runs as usual', async () => {
    const running = await startHttpApp('express', { controllers: [ShopController] });
    try {
      const response = await fetch(`${running.url}/shop/us/orders/7`);
      assert.deepEqual(await response.json(), { id: '7', absent: null, context: {}, one: null });
      const failing = await fetch(`${running.url}/shop/eu/orders`, { method: 'POST' });
      assert.equal(failing.status, 500);
    } finally {
      await running.close();
    }
  });
});
