import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module } from '@nestjs/common';
import { HudForensics, HudModule, setContext, type ForensicsRecord, type HudExporter } from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { LoopbackClient } from './support/http-client.js';
import { collectGarbage, mapLimit } from './support/random.js';

/**
 * A storm: 5,000 failing requests as fast as the machine answers them (50 in flight), while
 * the exporter is stalled. The queue must never hold more than `maxQueueSize`, memory
 * must stay bounded, and every failure must end up either recorded or counted as dropped.
 */
const FAILURES = 5_000;
const IN_FLIGHT = 50;
const MAX_QUEUE = 200;
/** Heap growth allowed across the storm, both measured after a full gc. */
const HEAP_GROWTH_BOUND_MB = 16;

/**
 * Holds its first batch until `open()` (called once the storm is over), the way a stalled
 * collector would: everything else piles up behind it, in the bounded queue.
 */
class StalledExporter implements HudExporter {
  records = 0;
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  async export(records: ForensicsRecord[]): Promise<void> {
    await this.gate;
    this.records += records.length;
  }

  open(): void {
    this.release();
  }
}

@Controller('storm')
class StormController {
  @Get(':n')
  fail() {
    setContext({ client_id: 'acme', tier: 'pro', ids: ['a', 'b', 'c'] });
    throw new Error('storm');
  }
}

for (const platform of PLATFORMS) {
  describe(`an error storm on ${platform}`, () => {
    const exporter = new StalledExporter();
    let running: RunningApp;
    const client = new LoopbackClient();

    @Module({
      imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, maxQueueSize: MAX_QUEUE, exportTimeoutMs: 120_000, slowThresholdMs: false })],
      controllers: [StormController],
    })
    class StormModule {}

    before(async () => {
      running = await startHttpApp(platform, { imports: [StormModule] });
    });
    after(async () => {
      client.close();
      await running?.close();
    });

    it(`keeps the queue within its limit and accounts for all ${FAILURES} failures`, { timeout: 120_000 }, async () => {
      const forensics = running.app.get(HudForensics);
      await collectGarbage();
      const heapBefore = process.memoryUsage().heapUsed;
      let maxQueued = 0;
      // the bound is the exporter's queue (failures not yet built wait beside it, in `queued`)
      const laneQueued = () => forensics.stats().exporters[0].queued;
      const sampler = setInterval(() => (maxQueued = Math.max(maxQueued, laneQueued())), 1);

      const statuses = await mapLimit(
        Array.from({ length: FAILURES }, (_, n) => n),
        IN_FLIGHT,
        async (n) => {
          const { status } = await client.request(`${running.url}/storm/${n}`);
          maxQueued = Math.max(maxQueued, laneQueued());
          return status;
        },
      );
      clearInterval(sampler);
      assert.equal(statuses.filter((s) => s === 500).length, FAILURES, 'every request answered 500, as without the module');

      assert.equal(laneQueued(), MAX_QUEUE, 'the stalled exporter let the queue fill up to its limit');
      exporter.open();
      await forensics.flush();
      const stats = forensics.stats();
      assert.ok(maxQueued <= MAX_QUEUE, `queue reached ${maxQueued} (limit ${MAX_QUEUE})`);
      assert.equal(stats.recorded + stats.droppedByRateLimit + stats.droppedByHook, FAILURES, JSON.stringify(stats));
      assert.equal(exporter.records, stats.recorded - stats.droppedByQueue, 'every record built was exported, but those its full queue dropped');
      assert.equal(stats.exporters[0].exported, exporter.records);
      assert.ok(stats.droppedByQueue >= FAILURES - MAX_QUEUE - IN_FLIGHT, `dropped by queue: ${stats.droppedByQueue}`);

      await collectGarbage();
      const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
      assert.ok(growthMb < HEAP_GROWTH_BOUND_MB, `heap grew by ${growthMb.toFixed(1)} MB (bound ${HEAP_GROWTH_BOUND_MB} MB)`);
      console.log(
        `storm on ${platform}: ${FAILURES} failures, recorded ${stats.recorded}, dropped by queue ${stats.droppedByQueue}, ` +
          `max queued ${maxQueued}/${MAX_QUEUE}, heap growth ${growthMb.toFixed(1)} MB`,
      );
    });
  });
}
