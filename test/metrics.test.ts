import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, HttpCode, Module, Query } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { HudModule, type HudModuleOptions, HudSlowThreshold, MemoryExporter, setContext } from 'nestjs-hud';
import { resolveHudOptions } from '../lib/hud-options.resolver.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

@Controller()
class ShopController {
  @Get('checkout')
  async checkout(@Query('outcome') outcome: string, @Query('plan') plan?: string) {
    setContext({ plan: plan ?? 'basic', secret_key: 'sk_live_1', flags: ['a', 'b'] });
    if (outcome === 'error') throw new Error('gateway down');
    return { ok: true };
  }

  @Get('maintenance')
  @HttpCode(503)
  maintenance() {
    return { back: 'soon' };
  }

  @Get('report')
  @HudSlowThreshold(50)
  async report() {
    await new Promise((resolve) => setTimeout(resolve, 80));
    return { rows: 1 };
  }
}

function shopModule(options: HudModuleOptions) {
  @Module({
    imports: [
      HudModule.forRoot({ fromHeaders: { user_tier: 'x-user-tier' }, exporters: [new MemoryExporter()], ...options }),
    ],
    controllers: [ShopController],
  })
  class ShopModule {}
  return ShopModule;
}

async function get(url: string, path: string, tier = 'pro'): Promise<number> {
  const response = await fetch(`${url}/${path}`, { headers: { 'x-user-tier': tier } });
  await response.arrayBuffer();
  return response.status;
}

describe('OpenTelemetry metrics (metrics: { keys })', () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600_000 });
  const provider = new MeterProvider({ readers: [reader] });

  async function collected(): Promise<Map<string, Array<DataPoint<number | Histogram>>>> {
    exporter.reset();
    await reader.forceFlush();
    const byName = new Map<string, Array<DataPoint<number | Histogram>>>();
    for (const resource of exporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) {
          byName.set(metric.descriptor.name, [...(byName.get(metric.descriptor.name) ?? []), ...(metric.dataPoints as Array<DataPoint<number | Histogram>>)]);
        }
      }
    }
    return byName;
  }

  before(() => {
    metrics.setGlobalMeterProvider(provider);
  });
  after(async () => {
    metrics.disable();
    await provider.shutdown();
  });

  it('records nothing without the option', async () => {
    const running: RunningApp = await startHttpApp('express', { imports: [shopModule({})] });
    try {
      assert.equal(await get(running.url, 'checkout?outcome=ok'), 200);
      assert.equal((await collected()).get('hud.invocations'), undefined);
    } finally {
      await running.close();
    }
  });

  it('counts every invocation and its duration by name, kind, outcome and the listed keys only', async () => {
    const running = await startHttpApp('express', {
      imports: [shopModule({ metrics: { keys: ['user_tier', 'plan', 'secret_key', 'flags'] }, redact: ['secret_key'] })],
    });
    try {
      for (const [path, tier, status] of [
        ['checkout?outcome=ok', 'pro', 200],
        ['checkout?outcome=ok', 'pro', 200],
        ['checkout?outcome=error', 'free', 500],
        ['maintenance', 'free', 503],
        ['report', 'pro', 200],
      ] as const) {
        assert.equal(await get(running.url, path, tier), status);
      }
      const points = await collected();
      const counter = points.get('hud.invocations')!;
      const count = (outcome: string, tier: string) =>
        counter.filter((p) => p.attributes['hud.outcome'] === outcome && p.attributes['hud.context.user_tier'] === tier).reduce((n, p) => n + (p.value as number), 0);
      assert.deepEqual([count('ok', 'pro'), count('error', 'free'), count('status', 'free'), count('duration', 'pro')], [2, 1, 1, 1]);
      const point = counter.find((p) => p.attributes['hud.outcome'] === 'ok')!;
      assert.deepEqual(point.attributes, {
        'hud.name': 'GET /checkout',
        'hud.kind': 'http',
        'hud.outcome': 'ok',
        'hud.context.user_tier': 'pro',
        'hud.context.plan': 'basic',
        'hud.context.flags': 'a,b',
      });
      assert.ok(counter.every((p) => !('hud.context.secret_key' in p.attributes)), 'a redacted key is never an attribute');

      const histogram = points.get('hud.invocation.duration')!;
      const slow = histogram.find((p) => p.attributes['hud.outcome'] === 'duration')!;
      assert.equal((slow.value as Histogram).count, 1);
      assert.ok((slow.value as Histogram).sum! >= 50, 'in milliseconds');
    } finally {
      await running.close();
    }
  });

  it("bounds each key: over 64 characters, or beyond 50 values, is '(other)'; every instance keeps the same 50, whatever the order", async () => {
    const plans = Array.from({ length: 60 }, (_, i) => `plan-${i}`);
    /** The plans that have a label of their own once an instance has seen all 60, in `order`. */
    async function keptAfter(order: readonly string[]): Promise<{ kept: string[]; other: number }> {
      const running = await startHttpApp('express', { imports: [shopModule({ metrics: { keys: ['plan'] } })] });
      try {
        for (const plan of order) await get(running.url, `checkout?outcome=ok&plan=${plan}`);
        await collected(); // what the first pass counted, labels that changed on the way included
        for (const plan of plans) await get(running.url, `checkout?outcome=ok&plan=${plan}`);
        await get(running.url, `checkout?outcome=ok&plan=${'x'.repeat(65)}`);
        const counter = (await collected()).get('hud.invocations')!;
        const labels = counter.map((p) => String(p.attributes['hud.context.plan']));
        const other = counter.filter((p) => p.attributes['hud.context.plan'] === '(other)').reduce((n, p) => n + (p.value as number), 0);
        return { kept: labels.filter((label) => label !== '(other)').sort(), other };
      } finally {
        await running.close();
      }
    }
    const first = await keptAfter(plans);
    const second = await keptAfter([...plans].reverse());
    assert.equal(first.kept.length, 50);
    assert.deepEqual(second.kept, first.kept, 'two instances, opposite orders: the same 50 plans');
    assert.equal(first.other, 11, '10 plans beyond the 50, and one value over 64 characters');
  });

  it('puts service.name and service.version on every point of both instruments, and no context key on the histogram', async () => {
    const running = await startHttpApp('express', {
      imports: [shopModule({ service: 'shop-api', version: '2.4.1', metrics: { keys: ['user_tier', 'plan'] } })],
    });
    try {
      assert.equal(await get(running.url, 'checkout?outcome=error', 'free'), 500);
      const points = await collected();
      const [counter] = points.get('hud.invocations')!;
      assert.deepEqual(counter.attributes, {
        'hud.name': 'GET /checkout',
        'hud.kind': 'http',
        'hud.outcome': 'error',
        'service.name': 'shop-api',
        'service.version': '2.4.1',
        'hud.context.user_tier': 'free',
        'hud.context.plan': 'basic',
      });
      const [histogram] = points.get('hud.invocation.duration')!;
      assert.deepEqual(histogram.attributes, {
        'hud.name': 'GET /checkout',
        'hud.kind': 'http',
        'hud.outcome': 'error',
        'service.name': 'shop-api',
        'service.version': '2.4.1',
      });
    } finally {
      await running.close();
    }
  });

  it('histogramKeys: the histogram carries those keys only; values: only the listed values keep their label', async () => {
    const running = await startHttpApp('express', {
      imports: [shopModule({ metrics: { keys: ['user_tier', 'plan'], histogramKeys: ['user_tier'], values: { plan: ['gold'] } } })],
    });
    try {
      await get(running.url, 'checkout?outcome=ok&plan=gold', 'pro');
      await get(running.url, 'checkout?outcome=ok&plan=silver', 'pro');
      const points = await collected();
      const histogram = points.get('hud.invocation.duration')!;
      assert.deepEqual(histogram.map((p) => p.attributes['hud.context.user_tier']), ['pro']);
      assert.ok(histogram.every((p) => !('hud.context.plan' in p.attributes)));
      const plans = points.get('hud.invocations')!.map((p) => p.attributes['hud.context.plan']).sort();
      assert.deepEqual(plans, ['(other)', 'gold']);
    } finally {
      await running.close();
    }
  });

  it('rejects histogramKeys outside keys, and values that are not lists of strings', () => {
    assert.throws(() => resolveHudOptions({ metrics: { keys: ['plan'], histogramKeys: ['user_tier'] } }), /metrics\.histogramKeys must be an array of keys listed in metrics\.keys/);
    assert.throws(() => resolveHudOptions({ metrics: { keys: ['plan'], values: { plan: 'gold' } as never } }), /metrics\.values must map context keys to arrays of values/);
    assert.throws(() => resolveHudOptions({ metrics: { keys: ['plan'], values: { plan: ['x'.repeat(65)] } } }), /metrics\.values/);
  });
});
