import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Injectable, Module, Param, Query, type MiddlewareConsumer, type NestMiddleware, type NestModule } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { HudContextService, HudForensics, HudModule, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { lastValueFrom } from 'rxjs';
import { startHttpApp, type Platform, type RunningApp } from '../support/http-app.js';
import { LoopbackClient } from './support/http-client.js';
import { doWork, expectedContext, foreignReads, readCount, type WorkOrder, type WorkResult } from './support/interleaved.work.js';
import { mapLimit, runSeed, seededRandom } from './support/random.js';
import { startTcpService, type RunningTcpService } from './support/tcp-app.js';

/**
 * 10,000 invocations in one process, all interleaved (up to 100 in flight): HTTP requests on
 * Fastify and on Express, TCP microservice messages and HudContextService.run() jobs. Every
 * one of them reads its context at about fifteen points across awaits, timers,
 * Promise.all branches and RxJS operators; every read, every reply and every record must hold
 * only its own invocation's values.
 */
const COUNTS = { fastify: 2_000, express: 2_000, tcp: 2_000, job: 4_000 } as const;
const IN_FLIGHT = 100;
const FAILING_ONE_IN = 5;
type Kind = keyof typeof COUNTS;

/** An HTTP layer before the handler: the id also arrives as a header, set by a middleware. */
@Injectable()
class InvocationHeaderMiddleware implements NestMiddleware {
  use(req: { headers: Record<string, string | undefined> }, _res: unknown, next: () => void) {
    setContext({ header_inv: req.headers['x-inv'] });
    next();
  }
}

@Controller('work')
class WorkController {
  @Get(':id')
  work(@Param('id') id: string, @Query('fail') fail: string, @Query('seed') seed: string): Promise<WorkResult> {
    return doWork({ id, fail: fail === '1', seed: Number(seed) });
  }
}

@Controller()
class WorkMessages {
  @MessagePattern('reliability.work')
  work(@Payload() order: WorkOrder): Promise<WorkResult> {
    return doWork(order);
  }
}

function httpModule(exporter: MemoryExporter) {
  @Module({
    imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, maxQueueSize: 10_000, slowThresholdMs: false })],
    controllers: [WorkController],
  })
  class HttpWorkModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      consumer.apply(InvocationHeaderMiddleware).forRoutes('*');
    }
  }
  return HttpWorkModule;
}

describe('isolation under 10,000 interleaved invocations (HTTP on both platforms, TCP, jobs)', () => {
  const seed = runSeed();
  const exporters: Record<Kind, MemoryExporter> = {
    fastify: new MemoryExporter(),
    express: new MemoryExporter(),
    tcp: new MemoryExporter(),
    job: new MemoryExporter(),
  };
  const http = {} as Record<Platform, RunningApp>;
  let tcp: RunningTcpService;
  const client = new LoopbackClient();

  before(async () => {
    for (const platform of ['fastify', 'express'] as const) {
      http[platform] = await startHttpApp(platform, { imports: [httpModule(exporters[platform])] });
    }
    tcp = await startTcpService({
      imports: [HudModule.forRoot({ exporters: [exporters.tcp], rateLimit: false, maxQueueSize: 10_000, slowThresholdMs: false })],
      controllers: [WorkMessages],
    });
  });
  after(async () => {
    client.close();
    await http.fastify?.close();
    await http.express?.close();
    await tcp?.close();
  });

  it('every read, reply and record holds only its own invocation values', { timeout: 120_000 }, async () => {
    const random = seededRandom(seed);
    const orders: Array<WorkOrder & { kind: Kind }> = [];
    for (const kind of Object.keys(COUNTS) as Kind[]) {
      for (let n = 0; n < COUNTS[kind]; n++) {
        orders.push({ kind, id: `${kind}-${n}`, fail: n % FAILING_ONE_IN === 0, seed: Math.floor(random() * 2 ** 31) });
      }
    }
    // Shuffled, so that the four kinds interleave all along.
    for (let i = orders.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [orders[i], orders[j]] = [orders[j], orders[i]];
    }
    // Jobs run in the Fastify app's process space like the rest; any app's service will do.
    const hud = http.fastify.app.get(HudContextService);

    const wrong: string[] = [];
    const startedAt = Date.now();
    await mapLimit(orders, IN_FLIGHT, async (order) => {
      const { kind, id, fail } = order;
      let outcome: { ok: true; value: WorkResult } | { ok: false; detail: string };
      if (kind === 'fastify' || kind === 'express') {
        const response = await client.request(`${http[kind].url}/work/${id}?fail=${fail ? 1 : 0}&seed=${order.seed}`, { headers: { 'x-inv': id } });
        outcome = response.status === 200 ? { ok: true, value: JSON.parse(response.body) as WorkResult } : { ok: false, detail: `${response.status}` };
        if (!fail && response.status !== 200) wrong.push(`${id}: status ${response.status}`);
        if (fail && response.status !== 500) wrong.push(`${id}: status ${response.status}, expected 500`);
      } else if (kind === 'tcp') {
        outcome = await lastValueFrom(tcp.client.send<WorkResult>('reliability.work', order)).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, detail: JSON.stringify(error) }),
        );
      } else {
        outcome = await hud.run(`reliability.job`, () => doWork(order)).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, detail: String(error) }),
        );
      }
      if (fail !== !outcome.ok) wrong.push(`${id}: expected ${fail ? 'a failure' : 'a success'}, got ${JSON.stringify(outcome)}`);
      if (outcome.ok) {
        const extra: Record<string, string> = kind === 'fastify' || kind === 'express' ? { header_inv: id } : {};
        try {
          assert.deepEqual(outcome.value, { id, context: expectedContext(id, extra) });
        } catch {
          wrong.push(`${id}: replied ${JSON.stringify(outcome.value)}`);
        }
      }
    });
    const elapsedMs = Date.now() - startedAt;

    assert.deepEqual(foreignReads, [], `seed ${seed}: reads saw another invocation's context`);
    assert.deepEqual(wrong.slice(0, 10), [], `seed ${seed}: wrong outcomes`);
    assert.ok(readCount.value >= orders.length * 12, `only ${readCount.value} reads`);

    for (const kind of Object.keys(COUNTS) as Kind[]) {
      const running = kind === 'tcp' ? tcp.app : kind === 'job' ? http.fastify.app : http[kind].app;
      await running.get(HudForensics).flush();
    }
    // Jobs ran through the Fastify app's HudModule: its exporter has their records too.
    const records: ForensicsRecord[] = [...exporters.fastify.records, ...exporters.express.records, ...exporters.tcp.records];
    const failing = orders.filter((o) => o.fail);
    assert.equal(records.length, failing.length, 'one record per failing invocation, none for the others');
    const byId = new Map<string, ForensicsRecord>();
    for (const record of records) byId.set(String(record.context.inv), record);
    for (const { kind, id } of failing) {
      const record = byId.get(id);
      assert.ok(record, `record of ${id}`);
      const extra: Record<string, string> = kind === 'fastify' || kind === 'express' ? { header_inv: id } : {};
      assert.deepEqual(record.context, expectedContext(id, extra), `record of ${id}`);
      assert.equal(record.error?.message, `work ${id} failed`);
      assert.equal(record.invocation.kind, kind === 'job' ? 'custom' : kind === 'tcp' ? 'rpc' : 'http');
    }
    // Shown in the test output: what the 10,000 took on this machine.
    console.log(`isolation: ${orders.length} invocations, ${readCount.value} context reads, ${records.length} records in ${elapsedMs} ms (seed ${seed})`);
  });
});
