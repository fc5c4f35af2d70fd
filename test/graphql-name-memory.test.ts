import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HudForensics } from 'nestjs-hud';
import { CountingExporter, queries, startFailingGraphqlApp } from './support/graphql-app.js';
import type { RunningApp } from './support/http-app.js';

describe('GraphQL operation names of 500 KB', () => {
  const MB = 1024 * 1024;
  const CONCURRENCY = 5;
  const exporter = new CountingExporter();
  let running: RunningApp;
  const gc = (globalThis as { gc?: () => void }).gc;
  before(async () => {
    running = await startFailingGraphqlApp({ exporters: [exporter] });
  });
  after(() => running.close());

  /** The heap after collection; the turns between let finalizers and socket clean-up run. */
  async function heapAfterGc(): Promise<number> {
    for (let i = 0; i < 3; i++) {
      gc!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.memoryUsage().heapUsed;
  }

  it('500 queries with a 500 KB name each grow the heap by less than 5 MB', async (t) => {
    assert.ok(gc, 'the test runner gives --expose-gc');
    const padding = 'a'.repeat(500 * 1024);
    const nameOf = (i: number) => `Q${i}_${padding}`;
    // warm-up, at the same concurrency: JIT, the client's and the server's sockets and buffers
    await queries(running, 50, CONCURRENCY, (i) => nameOf(100_000 + i));
    await running.app.get(HudForensics).flush();
    const baseline = await heapAfterGc();
    let growth = 0;
    let largest = 0;
    for (let round = 0; round < 5; round++) {
      await queries(running, 100, CONCURRENCY, (i) => nameOf(round * 100 + i));
      await running.app.get(HudForensics).flush();
      growth = (await heapAfterGc()) - baseline;
      largest = Math.max(largest, growth);
      // checked every 100 queries: a leak of 500 KB per name fails here long before it exhausts the heap
      assert.ok(growth < 5 * MB, `heap grew by ${(growth / MB).toFixed(2)} MB after ${(round + 1) * 100} queries`);
    }
    t.diagnostic(
      `heap growth after 500 queries with 500 KB operation names: ${(growth / MB).toFixed(2)} MB (largest after any 100: ${(largest / MB).toFixed(2)} MB); records exported: ${exporter.received}`,
    );
    assert.ok(exporter.received > 0, 'failures were recorded');
  });
});
