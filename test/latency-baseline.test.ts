import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Query } from '@nestjs/common';
import { HudForensics, HudModule, HudSlowThreshold, MemoryExporter, type HudLatencyReport } from 'nestjs-hud';
import { delay } from './support/app-context.js';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';
import { LoadClient } from './support/http-client.js';

@Controller('latency')
class LatencyController {
  @Get('quick')
  async quick(@Query('ms') ms?: string) {
    await delay(Number(ms ?? 12));
    return { ok: true };
  }

  @Get('fresh')
  async fresh(@Query('ms') ms: string) {
    await delay(Number(ms));
    return { ok: true };
  }

  @Get('decorated')
  @HudSlowThreshold(60)
  async decorated(@Query('ms') ms: string) {
    await delay(Number(ms));
    return { ok: true };
  }

  @Get('never-slow')
  @HudSlowThreshold(false)
  async neverSlow(@Query('ms') ms?: string) {
    await delay(Number(ms ?? 12));
    return { ok: true };
  }

  @Get('flaky')
  flaky(@Query('fail') fail?: string) {
    if (fail === '1') throw new Error('flaky');
    return { ok: true };
  }
}

for (const platform of PLATFORMS) {
  describe(`each route's own latency baseline (${platform})`, () => {
    const memory = new MemoryExporter();
    let running: RunningApp;
    let client: LoadClient;
    const forensics = () => running.app.get(HudForensics);
    const report = (name: string): HudLatencyReport => {
      const [found] = forensics().latency(name);
      assert.ok(found, `a latency report for ${name}`);
      return found;
    };

    before(async () => {
      running = await startHttpApp(platform, {
        // a fixed threshold far above every request here: only the baseline can fire below it
        imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: 5_000 })],
        controllers: [LatencyController],
      });
      client = new LoadClient(running.url, 10);
    });
    after(async () => {
      client.close();
      await running.close();
    });

    const sendMany = async (path: string, count: number) => {
      for (let sent = 0; sent < count; sent += 10) {
        const statuses = await Promise.all(Array.from({ length: Math.min(10, count - sent) }, () => client.get(path).then((r) => r.status)));
        assert.ok(statuses.every((s) => s === 200));
      }
    };

    it('records, with basis baseline, a request 10× slower than the route’s p99 though under slowThresholdMs', async () => {
      await sendMany('/latency/quick', 300);
      await forensics().flush();
      assert.equal(memory.records.length, 0, 'the fast requests are not recorded');
      const before = report('GET /latency/quick');
      assert.equal(before.samples, 300);
      // 10× the p99, and never under the rule's floor (100 ms) nor near slowThresholdMs
      const slowMs = Math.round(Math.min(4_000, Math.max(10 * before.p99, 400)));
      assert.equal((await client.get(`/latency/quick?ms=${slowMs}`)).status, 200);
      const record = await memory.waitFor((r) => r.invocation.name === 'GET /latency/quick');
      assert.equal(record.trigger, 'duration');
      assert.equal(record.latency?.basis, 'baseline');
      assert.ok(record.durationMs < 5_000);
      const expected = Math.max(100, 3 * before.p99);
      assert.ok(Math.abs(record.latency!.thresholdMs - expected) <= expected * 0.05, `threshold ${record.latency!.thresholdMs} ≈ ${expected}`);
      assert.ok(record.latency!.samples! >= 300);
      assert.ok(record.latency!.p50! > 0 && record.latency!.p99! >= record.latency!.p50!);
    });

    it('judges a route with no history by the fixed threshold only', async () => {
      memory.clear();
      assert.equal((await client.get('/latency/fresh?ms=400')).status, 200);
      await forensics().flush();
      assert.equal(memory.records.length, 0, '400 ms on a new route: under slowThresholdMs, no baseline yet');
      assert.equal(report('GET /latency/fresh').samples, 1);
    });

    it('@HudSlowThreshold(ms) replaces both rules (basis decorator); @HudSlowThreshold(false) disables both', async () => {
      memory.clear();
      await sendMany('/latency/never-slow', 210);
      assert.equal((await client.get('/latency/decorated?ms=90')).status, 200);
      assert.equal((await client.get('/latency/never-slow?ms=400')).status, 200);
      const record = await memory.waitFor((r) => r.invocation.name === 'GET /latency/decorated');
      assert.deepEqual([record.trigger, record.latency?.basis, record.latency?.thresholdMs], ['duration', 'decorator', 60]);
      await forensics().flush();
      assert.equal(memory.records.filter((r) => r.invocation.name === 'GET /latency/never-slow').length, 0);
    });

    it('HudForensics.latency() reports samples, quantiles and failures per name', async () => {
      for (let i = 0; i < 8; i++) await client.get(`/latency/flaky?fail=${i % 4 === 0 ? 1 : 0}`);
      const flaky = report('GET /latency/flaky');
      assert.deepEqual(
        { ...flaky, p50: typeof flaky.p50, p95: typeof flaky.p95, p99: typeof flaky.p99 },
        { name: 'GET /latency/flaky', kind: 'http', samples: 6, failures: 2, windowMs: 900_000, p50: 'number', p95: 'number', p99: 'number' },
      );
      assert.ok(flaky.p50 <= flaky.p95 && flaky.p95 <= flaky.p99);
      const names = forensics().latency().map((r) => r.name);
      assert.deepEqual(names.slice(0, 2), ['GET /latency/quick', 'GET /latency/never-slow'], 'most invocations first');
    });
  });
}

describe('a route with no history, slowThresholdMs: 250', () => {
  it('is recorded past the fixed threshold, with basis fixed, and not below it', async () => {
    const memory = new MemoryExporter();
    const running = await startHttpApp('express', {
      imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: 250 })],
      controllers: [LatencyController],
    });
    try {
      await fetch(`${running.url}/latency/fresh?ms=150`); // above the baseline's floor, but the route has no baseline
      await fetch(`${running.url}/latency/fresh?ms=350`);
      await running.app.get(HudForensics).flush();
      assert.equal(memory.records.length, 1);
      assert.deepEqual(
        { basis: memory.records[0].latency?.basis, thresholdMs: memory.records[0].latency?.thresholdMs, samples: memory.records[0].latency?.samples },
        { basis: 'fixed', thresholdMs: 250, samples: 1 },
      );
    } finally {
      await running.close();
    }
  });
});

describe('slowBaseline: false', () => {
  it('keeps only the fixed threshold and reports no latency', async () => {
    const memory = new MemoryExporter();
    const running = await startHttpApp('fastify', {
      imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: 5_000, slowBaseline: false })],
      controllers: [LatencyController],
    });
    const client = new LoadClient(running.url, 10);
    try {
      for (let i = 0; i < 25; i++) await Promise.all(Array.from({ length: 10 }, () => client.get('/latency/quick?ms=1')));
      assert.equal((await client.get('/latency/quick?ms=300')).status, 200);
      await running.app.get(HudForensics).flush();
      assert.equal(memory.records.length, 0);
      assert.deepEqual(running.app.get(HudForensics).latency(), []);
    } finally {
      client.close();
      await running.close();
    }
  });
});
