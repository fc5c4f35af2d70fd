import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Module, type INestApplication } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { HudForensics, HudModule, MemoryExporter, type ForensicsRecord, type HudExporter, type HudModuleOptions } from 'nestjs-hud';
import { startHttpApp, type RunningApp } from './support/http-app.js';

const typeDefs = /* GraphQL */ `
  type Order {
    id: ID!
  }
  type Query {
    order(id: ID!): Order
  }
`;

@Resolver('Order')
class OrdersResolver {
  @Query('order')
  order(@Args('id') id: string) {
    throw new Error(`order ${id} unavailable`);
  }
}

/** Counts what it receives and keeps nothing, so the heap measures what nestjs-hud holds. */
class CountingExporter implements HudExporter {
  received = 0;
  export(records: readonly ForensicsRecord[]): void {
    this.received += records.length;
  }
}

function start(hud: HudModuleOptions): Promise<RunningApp> {
  @Module({
    imports: [
      HudModule.forRoot({ slowThresholdMs: false, ...hud }),
      // Apollo's own cache of parsed documents is off: it is the app's memory, not ours.
      GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, typeDefs, path: '/graphql', documentStore: null }),
    ],
    providers: [OrdersResolver],
  })
  class AppModule {}
  // Bodies of 500 KB, as an attacker sends them (Nest's default limit is 100 KB).
  return startHttpApp('express', { imports: [AppModule] }, (app: INestApplication) => {
    (app as NestExpressApplication).useBodyParser('json', { limit: '2mb' });
  });
}

async function query(running: RunningApp, operationName: string): Promise<void> {
  const response = await fetch(`${running.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `query ${operationName} { order(id: "o-1") { id } }`, operationName }),
  });
  assert.equal(response.status, 200);
  const json = (await response.json()) as { errors?: { message: string }[] };
  assert.equal(json.errors?.[0]?.message, 'order o-1 unavailable', 'the client gets what GraphQL answers');
}

/** Runs `count` queries, `concurrency` at a time, naming the i-th with `nameOf(i)`. */
async function queries(running: RunningApp, count: number, concurrency: number, nameOf: (i: number) => string): Promise<void> {
  for (let i = 0; i < count; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, count - i) }, (_, j) => query(running, nameOf(i + j))));
  }
}

describe('GraphQL operation names chosen by clients', () => {
  const memory = new MemoryExporter();
  let running: RunningApp;
  before(async () => {
    running = await start({ exporters: [memory], rateLimit: { perSecond: 1, burst: 5 } });
  });
  after(() => running.close());

  it('cuts an operation name to 100 characters', async () => {
    const name = `Long${'x'.repeat(500)}`;
    await query(running, name);
    const record = await memory.waitFor((r) => r.invocation.kind === 'graphql');
    assert.equal(record.invocation.name, `query ${name.slice(0, 100)}`);
  });

  it('limits 2,000 failing queries with a new name each like one name, and a known name keeps its own pace', async () => {
    await query(running, 'Known');
    await running.app.get(HudForensics).flush();
    memory.clear();
    const forensics = running.app.get(HudForensics);
    const before = forensics.stats();
    const started = performance.now();
    await queries(running, 2000, 25, (i) => `Flood${i}`);
    const elapsedSeconds = (performance.now() - started) / 1000;
    await query(running, 'Known');
    await forensics.flush();

    const flood = memory.records.filter((r) => r.invocation.name.startsWith('query Flood')).length;
    // the shared bucket: its burst of 5, and one token per second that passed
    assert.ok(flood <= 5 + Math.ceil(elapsedSeconds), `${flood} flood records in ${elapsedSeconds.toFixed(1)} s`);
    const stats = forensics.stats();
    assert.equal(stats.droppedByRateLimit - before.droppedByRateLimit, 2000 - flood, 'the others are counted, not built');
    assert.equal(memory.records.filter((r) => r.invocation.name === 'query Known').length, 1, 'a name known before the flood is still recorded');
  });
});

describe('GraphQL operation names of 500 KB', () => {
  const MB = 1024 * 1024;
  const exporter = new CountingExporter();
  let running: RunningApp;
  const gc = (globalThis as { gc?: () => void }).gc;
  before(async () => {
    running = await start({ exporters: [exporter] });
  });
  after(() => running.close());

  function heapAfterGc(): number {
    gc!();
    gc!();
    return process.memoryUsage().heapUsed;
  }

  it('900 queries with a 500 KB name each grow the heap by less than 5 MB', async (t) => {
    assert.ok(gc, 'the test runner gives --expose-gc');
    const padding = 'a'.repeat(500 * 1024);
    const nameOf = (i: number) => `Q${i}_${padding}`;
    await queries(running, 30, 3, (i) => nameOf(100_000 + i)); // warm-up: JIT, sockets, the limiter's first names
    await running.app.get(HudForensics).flush();
    const baseline = heapAfterGc();
    let growth = 0;
    for (let round = 0; round < 9; round++) {
      await queries(running, 100, 5, (i) => nameOf(round * 100 + i));
      await running.app.get(HudForensics).flush();
      growth = heapAfterGc() - baseline;
      // checked every 100 queries: a leak of 500 KB per name fails here long before it exhausts the heap
      assert.ok(growth < 5 * MB, `heap grew by ${(growth / MB).toFixed(2)} MB after ${(round + 1) * 100} queries`);
    }
    t.diagnostic(`heap growth after 900 queries with 500 KB operation names: ${(growth / MB).toFixed(2)} MB; records exported: ${exporter.received}`);
    assert.ok(exporter.received > 0, 'failures were recorded');
  });
});
