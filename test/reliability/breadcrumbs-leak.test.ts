import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { AsyncLocalStorage } from 'node:async_hooks';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Logger, Param } from '@nestjs/common';
import { addBreadcrumb, HudForensics, HudModule, type ForensicsRecord, type HudExporter } from 'nestjs-hud';
import { startHttpApp, type RunningApp } from '../support/http-app.js';
import { LoopbackClient } from './support/http-client.js';
import { collectGarbage, collectUntil, mapLimit, serverConnectionsClosed } from './support/random.js';

/**
 * 20,000 successful requests, each writing 3 log lines (two through Nest's Logger, one
 * addBreadcrumb with data) of about 300 characters: were breadcrumbs kept beyond their
 * invocation, that would be some 18 MB. The heap may grow by at most a few MB, and every
 * invocation (which holds its breadcrumbs) must be collected.
 */
const WARM_UP = 2_000;
const REQUESTS = 20_000;
const HEAP_GROWTH_BOUND_MB = 4;
const PADDING = 'x'.repeat(300);

const storage = (globalThis as Record<symbol, unknown>)[Symbol.for('nestjs-hud.invocation-storage')] as AsyncLocalStorage<{
  breadcrumbs?: unknown[];
}>;
let registered = 0;
let collected = 0;
let withBreadcrumbs = 0;
const registry = new FinalizationRegistry<void>(() => {
  collected++;
});

class CountingExporter implements HudExporter {
  count = 0;
  export(records: ForensicsRecord[]): void {
    this.count += records.length;
  }
}

@Controller('work')
class WorkController {
  private readonly logger = new Logger('Work');

  @Get(':n')
  handle(@Param('n') n: string) {
    this.logger.log(`step one of ${n} ${PADDING}`);
    addBreadcrumb(`step two of ${n} ${PADDING}`, { n: Number(n) });
    this.logger.warn(`step three of ${n} ${PADDING}`);
    const store = storage.getStore()!;
    if (store.breadcrumbs?.length === 3) withBreadcrumbs++;
    registry.register(store, undefined);
    registered++;
    return { n };
  }
}

async function heapUsedMb(): Promise<number> {
  await collectGarbage(4);
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe('a successful invocation’s breadcrumbs leave no trace', () => {
  const exporter = new CountingExporter();
  const client = new LoopbackClient();
  let running: RunningApp;

  before(async () => {
    running = await startHttpApp('fastify', {
      imports: [HudModule.forRoot({ exporters: [exporter], slowThresholdMs: false, slowBaseline: false })],
      controllers: [WorkController],
    });
  });
  after(async () => {
    client.close();
    await running?.close();
  });

  const send = (from: number, count: number) =>
    mapLimit(
      Array.from({ length: count }, (_, i) => from + i),
      32,
      async (n) => (await client.request(`${running.url}/work/${n}`)).status,
    );

  it('keeps the heap stable over 20,000 requests logging 3 lines each', { timeout: 120_000 }, async () => {
    const warmUp = await send(0, WARM_UP);
    assert.ok(warmUp.every((status) => status === 200));
    const heapBefore = await heapUsedMb();

    const statuses = await send(WARM_UP, REQUESTS);
    assert.ok(statuses.every((status) => status === 200));
    await running.app.get(HudForensics).flush();
    const heapAfter = await heapUsedMb();

    assert.equal(withBreadcrumbs, WARM_UP + REQUESTS, 'every request held its 3 breadcrumbs while it ran');
    assert.equal(exporter.count, 0, 'successful requests are not recorded');
    client.close(); // an idle keep-alive connection keeps its last invocation until it closes
    await serverConnectionsClosed(running.app.getHttpServer());
    await collectUntil(() => collected >= registered);
    assert.equal(collected, registered, `${registered - collected} invocations (and their breadcrumbs) still reachable`);
    const growth = heapAfter - heapBefore;
    assert.ok(growth < HEAP_GROWTH_BOUND_MB, `heap grew by ${growth.toFixed(2)} MB (bound ${HEAP_GROWTH_BOUND_MB} MB)`);
    console.log(`breadcrumbs leak: ${registered} requests × 3 lines; heap ${heapBefore.toFixed(1)} → ${heapAfter.toFixed(1)} MB`);
  });
});
