import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { AsyncLocalStorage } from 'node:async_hooks';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { HudContextService, HudForensics, HudModule, setContext, type ForensicsRecord, type HudExporter } from 'nestjs-hud';
import { startHttpApp, type RunningApp } from '../support/http-app.js';
import { LoopbackClient } from './support/http-client.js';
import { collectGarbage, collectUntil, mapLimit, serverConnectionsClosed } from './support/random.js';

/**
 * 100,000 invocations through HudContextService.run() (sync, async and failing ones, which
 * are recorded) and 2,000 HTTP requests; then nothing of any invocation may still be
 * reachable, and the heap may not have grown beyond a stated bound.
 *
 * How "nothing reachable" is proven: the contract shares the process's one AsyncLocalStorage
 * through `Symbol.for('nestjs-hud.invocation-storage')`. Its store, read inside an
 * invocation, is the invocation's own state object (context, error, details). Each one is
 * registered with a FinalizationRegistry, and after gc() every one must have been collected;
 * `v8.queryObjects` then counts the live objects of that class: none.
 */
const JOBS = 100_000;
const REQUESTS = 2_000;
/** Heap growth allowed between the warm-up and the end, both after a full gc. */
const HEAP_GROWTH_BOUND_MB = 8;

const storage = (globalThis as Record<symbol, unknown>)[Symbol.for('nestjs-hud.invocation-storage')] as AsyncLocalStorage<object>;
let registered = 0;
let collected = 0;
const registry = new FinalizationRegistry<void>(() => {
  collected++;
});
let storeClass: (new (...args: never[]) => object) | undefined;

/** Registers the store of the invocation running now; remembers its class for queryObjects. */
function trackCurrentStore(): void {
  const store = storage.getStore();
  assert.ok(store !== undefined, 'inside an invocation');
  storeClass ??= store.constructor as new (...args: never[]) => object;
  registry.register(store, undefined);
  registered++;
}

/** Counts records and drops them: the test is about what the module itself retains. */
class CountingExporter implements HudExporter {
  count = 0;
  export(records: ForensicsRecord[]): void {
    this.count += records.length;
  }
}

@Controller('leak')
class LeakController {
  @Get(':n')
  async handle(@Param('n') n: string) {
    trackCurrentStore();
    setContext({ n: Number(n), tags: ['a', n] });
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (Number(n) % 10 === 0) throw new Error(`request ${n} failed`);
    return { n };
  }
}

async function runJobs(hud: HudContextService, from: number, to: number): Promise<number> {
  let failures = 0;
  const batch: Promise<unknown>[] = [];
  for (let n = from; n < to; n++) {
    const payload = { n, tier: n % 2 === 0 ? 'free' : 'pro', ids: [`id-${n}`, 'x'] };
    if (n % 3 === 0) {
      // synchronous job
      hud.run('leak.sync', () => {
        trackCurrentStore();
        setContext(payload);
      });
    } else {
      batch.push(
        hud
          .run('leak.async', async () => {
            trackCurrentStore();
            setContext(payload);
            await Promise.resolve();
            if (n % 50 === 1) throw new Error(`job ${n} failed`);
          })
          .catch(() => failures++),
      );
    }
    if (batch.length >= 500) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  return failures;
}

async function heapUsedMb(): Promise<number> {
  await collectGarbage(4);
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe('no leak after 100,000 invocations', () => {
  const exporter = new CountingExporter();
  let running: RunningApp;
  const client = new LoopbackClient();

  @Module({
    imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, maxQueueSize: 100_000, slowThresholdMs: false })],
    controllers: [LeakController],
  })
  class LeakModule {}

  before(async () => {
    running = await startHttpApp('fastify', { imports: [LeakModule] });
  });
  after(async () => {
    client.close();
    await running?.close();
  });

  it('collects every invocation and keeps the heap within bounds', { timeout: 120_000 }, async () => {
    const hud = running.app.get(HudContextService);
    const forensics = running.app.get(HudForensics);
    // Warm-up: JIT, caches and the rate limiter's tables reach their size before measuring.
    await runJobs(hud, 0, 5_000);
    await forensics.flush();
    const heapBefore = await heapUsedMb();

    const jobFailures = await runJobs(hud, 5_000, 5_000 + JOBS);
    const requests = Array.from({ length: REQUESTS }, (_, n) => n);
    const statuses = await mapLimit(requests, 50, async (n) => (await client.request(`${running.url}/leak/${n}`)).status);
    assert.equal(statuses.filter((s) => s === 500).length, REQUESTS / 10);
    await forensics.flush();
    assert.ok(jobFailures > 0 && exporter.count > 0, 'failing invocations were recorded');

    const heapAfter = await heapUsedMb();
    for (let round = 0; round < 20 && collected < registered; round++) await collectGarbage(1);
    const heldByOpenConnections = registered - collected;
    // An idle keep-alive connection keeps the last invocation that used it: Node's HTTP server
    // arms the connection's keep-alive timer while that request finishes, and the timer
    // carries the async context it was created in. So at most one invocation per open
    // connection, released once the connection is reused or closed, as here.
    client.close();
    await serverConnectionsClosed(running.app.getHttpServer());
    await collectUntil(() => collected >= registered);

    assert.equal(registered, 5_000 + JOBS + REQUESTS);
    assert.equal(collected, registered, `${registered - collected} invocation stores still reachable`);
    assert.ok(storeClass !== undefined);
    assert.equal(v8.queryObjects(storeClass, { format: 'count' }), 0, 'no live invocation object');
    const growth = heapAfter - heapBefore;
    assert.ok(growth < HEAP_GROWTH_BOUND_MB, `heap grew by ${growth.toFixed(1)} MB (bound ${HEAP_GROWTH_BOUND_MB} MB)`);
    console.log(
      `leak: ${registered} invocations, ${collected} collected (${heldByOpenConnections} held by open keep-alive connections until they closed), ` +
        `${exporter.count} records; heap ${heapBefore.toFixed(1)} → ${heapAfter.toFixed(1)} MB`,
    );
  });
});
