import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Get, Module, Param } from '@nestjs/common';
import {
  addBreadcrumb,
  HudForensics,
  HudModule,
  HudSlowThreshold,
  MemoryExporter,
  setContext,
  setFailure,
  type ForensicsRecord,
  type HudExporter,
  type HudModuleOptions,
} from 'nestjs-hud';
import { eventually, GateExporter, HangingExporter } from './support/exporters.js';
import { PLATFORMS, startHttpApp } from './support/http-app.js';
import { LoadClient } from './support/http-client.js';

@Controller('lanes')
class LanesController {
  @Get('fail/:n')
  fail(@Param('n') n: string) {
    setContext({ n: Number(n), client_id: `client-${n}`, flags: ['a', 'b'] });
    throw new Error(`failure ${n}`);
  }

  /** A record with every part a record can have: dropped keys, breadcrumbs with data, a failure reason and an error. */
  @Get('everything')
  everything() {
    setContext({ flags: ['a', 'b'], nested: { not: 'allowed' } as never });
    addBreadcrumb('cart priced', { items: [1, 2], currency: 'EUR' });
    setFailure('card declined');
    throw new Error('and then it threw');
  }

  /** A duration record, which carries `latency`. */
  @Get('slow')
  @HudSlowThreshold(1)
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { ok: true };
  }
}

/** Every object reachable from `value` that is not frozen, by path. */
function unfrozenParts(value: unknown, path = 'record'): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const own = Object.isFrozen(value) ? [] : [path];
  return own.concat(...Object.entries(value).map(([key, child]) => unfrozenParts(child, `${path}.${key}`)));
}

function appWith(options: HudModuleOptions) {
  @Module({ imports: [HudModule.forRoot({ rateLimit: false, slowThresholdMs: false, ...options })], controllers: [LanesController] })
  class AppModule {}
  return AppModule;
}

/** Counts what it received, and keeps nothing: a healthy exporter for storms. */
class CountingExporter implements HudExporter {
  received = 0;
  export(records: readonly ForensicsRecord[]): void {
    this.received += records.length;
  }
}

for (const platform of PLATFORMS) {
  describe(`one lane per exporter on ${platform}`, () => {
    it('beside an exporter that never settles, a MemoryExporter gets each of 10 sequential failures within 250 ms of its response', async () => {
      const hanging = new HangingExporter();
      const memory = new MemoryExporter();
      // the default exportTimeoutMs (5 s): a healthy lane must not wait for it at all
      const running = await startHttpApp(platform, { imports: [appWith({ exporters: [hanging, memory], shutdownTimeoutMs: 300 })] });
      const latencies: number[] = [];
      try {
        for (let n = 0; n < 10; n++) {
          const response = await fetch(`${running.url}/lanes/fail/${n}`);
          assert.equal(response.status, 500);
          await response.arrayBuffer();
          const answeredAt = performance.now();
          await memory.waitFor((r) => r.context.n === n, 2000);
          latencies.push(performance.now() - answeredAt);
        }
        assert.ok(hanging.calls >= 1, 'the hanging exporter was given records');
        const worst = Math.max(...latencies);
        assert.ok(worst < 250, `a record reached the MemoryExporter ${worst.toFixed(1)} ms after its response (bound 250 ms)`);
        const lanes = running.app.get(HudForensics).stats().exporters;
        assert.deepEqual(lanes.map((l) => [l.name, l.exported]), [['HangingExporter', 0], ['MemoryExporter', 10]]);
        assert.equal(lanes[0].queued, 10, 'the hanging lane holds its batch in flight and the rest behind it');
        console.log(`healthy lane beside a hanging one on ${platform}: max ${worst.toFixed(1)} ms, median ${median(latencies).toFixed(1)} ms after the response`);
      } finally {
        await running.close(); // gives the hanging exporter up after shutdownTimeoutMs
      }
    });
  });
}

describe('a storm with one stalled exporter', () => {
  it('the healthy exporter gets every record; the stalled one keeps maxQueueSize, drops its oldest, and the counters add up', { timeout: 120_000 }, async () => {
    const FAILURES = 3000;
    const MAX_QUEUE = 100;
    const stalled = new GateExporter();
    const healthy = new CountingExporter();
    const running = await startHttpApp('fastify', {
      imports: [appWith({ exporters: [stalled, healthy], maxQueueSize: MAX_QUEUE, exportTimeoutMs: 60_000 })],
    });
    const forensics = running.app.get(HudForensics);
    const http = new LoadClient(running.url, 16);
    try {
      let next = 0;
      const deadline = Date.now() + 100_000;
      const client = async () => {
        while (next < FAILURES) {
          assert.ok(Date.now() < deadline, `storm not done within 100 s (${next} sent)`);
          const { status } = await http.get(`/lanes/fail/${next++}`);
          assert.equal(status, 500);
        }
      };
      await Promise.all(Array.from({ length: 16 }, client));
      await eventually(() => healthy.received === FAILURES, () => `${healthy.received} received, ${JSON.stringify(forensics.stats())}`);

      const during = forensics.stats();
      assert.equal(during.recorded, FAILURES);
      assert.deepEqual(during.exporters, [
        { name: 'GateExporter', exported: 0, failed: 0, errors: 0, timeouts: 0, dropped: FAILURES - MAX_QUEUE, queued: MAX_QUEUE },
        { name: 'CountingExporter', exported: FAILURES, failed: 0, errors: 0, timeouts: 0, dropped: 0, queued: 0 },
      ]);
      assert.equal(during.droppedByQueue, FAILURES - MAX_QUEUE);
      assert.equal(during.queued, MAX_QUEUE);

      stalled.release();
      await forensics.flush();
      const after = forensics.stats();
      const kept = stalled.batches.flat();
      assert.equal(kept.length, MAX_QUEUE, 'the stalled exporter got everything its queue bound allowed');
      // what it kept: its first batch, then the most recent records (the oldest waiting ones were dropped)
      const keptNs = kept.map((r) => r.context.n as number);
      const rest = keptNs.slice(stalled.batches[0].length);
      assert.ok(rest.every((n) => n >= FAILURES - 2 * MAX_QUEUE), `the newest records were kept: ${rest.slice(0, 5).join(', ')}...`);
      for (const lane of after.exporters) {
        assert.equal(lane.exported + lane.failed + lane.dropped + lane.queued, after.recorded, lane.name);
      }
      assert.equal(after.exporters[0].exported, MAX_QUEUE);
      assert.equal(after.queued, 0);
    } finally {
      http.close();
      stalled.release();
      await running.close();
    }
  });
});

describe('frozen records shared by every exporter', () => {
  it('an exporter that tries to change its records cannot change what another exporter sees', async () => {
    const attempts: string[] = [];
    /** Tries every way of changing a record it is given, and notes which ones were refused. */
    class MeddlingExporter implements HudExporter {
      export(records: readonly ForensicsRecord[]): void {
        for (const record of records) {
          const tries: Array<[string, () => void]> = [
            ['context value', () => ((record.context as Record<string, unknown>).client_id = 'mallory')],
            ['new context key', () => ((record.context as Record<string, unknown>).injected = true)],
            ['delete', () => delete (record as Partial<ForensicsRecord>).error],
            ['array item', () => (record.context.flags as string[]).push('c')],
            ['nested object', () => (record.invocation.http!.statusCode = 200)],
            ['error message', () => (record.error!.message = 'nothing happened')],
          ];
          for (const [what, change] of tries) {
            try {
              change();
              attempts.push(`${what}: allowed`);
            } catch (error) {
              attempts.push(`${what}: ${(error as Error).name}`);
            }
          }
        }
      }
    }
    const memory = new MemoryExporter();
    const seenHook: boolean[] = [];
    const running = await startHttpApp('express', {
      imports: [
        appWith({
          exporters: [new MeddlingExporter(), memory],
          beforeRecord: (record) => {
            // the hook still gets a copy it may change
            seenHook.push(Object.isFrozen(record));
            record.context.hooked = true;
            return record;
          },
        }),
      ],
    });
    try {
      assert.equal((await fetch(`${running.url}/lanes/fail/7`)).status, 500);
      const record = await memory.waitFor((r) => r.context.n === 7);
      await running.app.get(HudForensics).flush();
      assert.deepEqual(attempts, [
        'context value: TypeError',
        'new context key: TypeError',
        'delete: TypeError',
        'array item: TypeError',
        'nested object: TypeError',
        'error message: TypeError',
      ]);
      assert.deepEqual(record.context, { n: 7, client_id: 'client-7', flags: ['a', 'b'], hooked: true });
      assert.equal(record.invocation.http?.statusCode, 500);
      assert.equal(record.error?.message, 'failure 7');
      assert.deepEqual(seenHook, [false]);
      assert.ok(Object.isFrozen(record) && Object.isFrozen(record.context) && Object.isFrozen(record.context.flags));
    } finally {
      await running.close();
    }
  });
});

describe('records as nestjs-hud builds them', () => {
  it('are frozen all the way down, whatever parts they have', async () => {
    const memory = new MemoryExporter();
    const running = await startHttpApp('fastify', { imports: [appWith({ exporters: [memory] })] });
    try {
      await fetch(`${running.url}/lanes/everything`);
      await fetch(`${running.url}/lanes/slow`);
      const failed = await memory.waitFor((r) => r.failure !== undefined);
      const slow = await memory.waitFor((r) => r.trigger === 'duration');
      assert.ok(failed.dropped?.length && failed.breadcrumbs?.[0]?.data && failed.error && failed.context.flags, 'every part is there');
      assert.ok(slow.latency, 'a duration record has latency');
      assert.deepEqual(unfrozenParts(failed), []);
      assert.deepEqual(unfrozenParts(slow), []);
    } finally {
      await running.close();
    }
  });
});

describe('HudForensics.flush()', () => {
  it("calls each exporter's forceFlush once its queue is exported", async () => {
    const events: string[] = [];
    class BufferingExporter implements HudExporter {
      export(records: readonly ForensicsRecord[]): void {
        for (const record of records) events.push(`export ${record.context.n}`);
      }
      async forceFlush(): Promise<void> {
        events.push('forceFlush');
      }
    }
    const running = await startHttpApp('express', { imports: [appWith({ exporters: [new BufferingExporter(), new MemoryExporter()] })] });
    try {
      await Promise.all([1, 2].map((n) => fetch(`${running.url}/lanes/fail/${n}`)));
      await running.app.get(HudForensics).flush();
      assert.deepEqual(events.slice().sort(), ['export 1', 'export 2', 'forceFlush']);
      assert.equal(events.at(-1), 'forceFlush');
    } finally {
      await running.close();
    }
  });
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
