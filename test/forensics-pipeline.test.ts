import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { HudForensics, HudModule, MemoryExporter, NdjsonFileExporter, setContext, type HudModuleOptions } from 'nestjs-hud';
import { CapturingLogger } from './support/hud-context-app.js';
import { eventually, GateExporter, HangingExporter, RejectingExporter, ThrowingExporter } from './support/exporters.js';
import { PLATFORMS, startHttpApp, type Platform } from './support/http-app.js';
import { LoadClient } from './support/http-client.js';

const NEST_500 = { statusCode: 500, message: 'Internal server error' };

@Controller()
class FailingController {
  @Get('storm/a/:n')
  stormA(@Param('n') n: string) {
    setContext({ n: Number(n), parity: Number(n) % 2 === 0 ? 'even' : 'odd' });
    throw new Error(`storm a ${n}`);
  }

  @Get('storm/b/:n')
  stormB(@Param('n') n: string) {
    setContext({ n: Number(n), parity: Number(n) % 2 === 0 ? 'even' : 'odd' });
    throw new Error(`storm b ${n}`);
  }

  @Get('fail')
  fail() {
    setContext({ client_id: 'acme' });
    throw new Error('payment gateway timeout');
  }

  @Get('ok')
  ok() {
    return { ok: true };
  }
}

function appWith(options: HudModuleOptions) {
  @Module({ imports: [HudModule.forRoot(options)], controllers: [FailingController] })
  class AppModule {}
  return AppModule;
}

async function start(platform: Platform, options: HudModuleOptions) {
  const running = await startHttpApp(platform, { imports: [appWith(options)] });
  return { ...running, forensics: running.app.get(HudForensics) };
}

describe('error storm', () => {
  it("5,000 failing requests: the exporter's queue never exceeds maxQueueSize and the stats account for every failure", async () => {
    const FAILURES = 5000;
    const MAX_QUEUE = 100;
    const gate = new GateExporter(); // holds the first batch until the storm is over
    const app = await start('fastify', {
      exporters: [gate],
      maxQueueSize: MAX_QUEUE,
      exportTimeoutMs: 60_000,
      rateLimit: { perSecond: 1, burst: 300 },
      beforeRecord: (record) => (record.context.parity === 'odd' ? null : record),
    });
    const http = new LoadClient(app.url, 16);
    try {
      let next = 0;
      let maxQueued = 0;
      const statuses = new Map<number, number>();
      const deadline = Date.now() + 120_000;
      // 16 clients; 4 of 5 requests hit one route, so one name storms and the other does not
      const client = async () => {
        while (next < FAILURES) {
          assert.ok(Date.now() < deadline, `storm not done within 120 s (${next} sent)`);
          const n = next++;
          const response = await http.get(`/storm/${n % 5 === 0 ? 'b' : 'a'}/${n}`);
          assert.deepEqual(JSON.parse(response.body), NEST_500);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          maxQueued = Math.max(maxQueued, app.forensics.stats().exporters[0].queued);
        }
      };
      await Promise.all(Array.from({ length: 16 }, client));
      assert.deepEqual([...statuses], [[500, FAILURES]], 'every client got the response it would get without the module');
      assert.ok(maxQueued <= MAX_QUEUE, `queued reached ${maxQueued}, above maxQueueSize ${MAX_QUEUE}`);
      assert.equal(maxQueued, MAX_QUEUE, 'the storm filled the queue, so the bound was really tested');
      // The same bound, independent of how `queued` is computed: while the exporter holds its
      // first batch nothing leaves the pipeline, so what it accepted (failures minus drops) is
      // what it holds in memory, the held batch included.
      await eventually(
        () => {
          const s = app.forensics.stats();
          return s.droppedByRateLimit + s.droppedByHook + s.droppedByQueue + s.queued === FAILURES;
        },
        () => JSON.stringify(app.forensics.stats()),
      );
      const { droppedByRateLimit, droppedByHook, droppedByQueue } = app.forensics.stats();
      const held = FAILURES - droppedByRateLimit - droppedByHook - droppedByQueue;
      assert.ok(held <= MAX_QUEUE, `the pipeline holds ${held} records, above maxQueueSize ${MAX_QUEUE}`);

      gate.release();
      await eventually(() => app.forensics.stats().queued === 0, () => JSON.stringify(app.forensics.stats()));
      await app.forensics.flush();
      const stats = app.forensics.stats();
      // every failure was built or counted; every record built was exported or dropped by the full queue
      assert.equal(stats.recorded + stats.droppedByRateLimit + stats.droppedByHook, FAILURES);
      assert.ok(stats.droppedByRateLimit > 0 && stats.droppedByQueue > 0 && stats.droppedByHook > 0 && stats.recorded > 0, JSON.stringify(stats));
      const [lane] = stats.exporters;
      assert.deepEqual(lane, { name: 'GateExporter', exported: stats.recorded - stats.droppedByQueue, failed: 0, errors: 0, timeouts: 0, dropped: stats.droppedByQueue, queued: 0 });
      assert.equal(gate.batches.flat().length, lane.exported, 'the exporter received exactly the records its queue kept');
      assert.ok(gate.batches.flat().every((r) => r.context.parity === 'even'));
      // each name had its own bucket: the quiet route was not starved by the storming one
      const names = new Set(gate.batches.flat().map((r) => r.invocation.name));
      assert.ok(names.has('GET /storm/b/:n'), `names recorded: ${[...names].join(', ')}`);
    } finally {
      http.close();
      gate.release();
      await app.close();
    }
  });
});

for (const platform of PLATFORMS) {
  describe(`isolated exporters on ${platform}`, () => {
    it('a throwing, a rejecting and a hanging exporter never delay or change a response; they are counted and reported once', async () => {
      const throwing = new ThrowingExporter();
      const rejecting = new RejectingExporter();
      const hanging = new HangingExporter();
      const memory = new MemoryExporter();
      const logger = new CapturingLogger();
      const running = await startHttpApp(
        platform,
        { imports: [appWith({ exporters: [throwing, rejecting, hanging, memory], exportTimeoutMs: 300, rateLimit: false })] },
        (app) => app.useLogger(logger),
      );
      const forensics = running.app.get(HudForensics);
      try {
        const first = await fetch(`${running.url}/fail`);
        assert.equal(first.status, 500);
        assert.deepEqual(await first.json(), NEST_500);
        await hanging.called; // the record is now in the hands of an exporter that never answers

        // while that export call hangs, the app keeps answering at once, failures included
        const second = await fetch(`${running.url}/fail`);
        assert.equal(second.status, 500);
        assert.deepEqual(await second.json(), NEST_500);
        const ok = await fetch(`${running.url}/ok`);
        assert.deepEqual(await ok.json(), { ok: true });

        await eventually(
          () => memory.records.length === 2 && forensics.stats().exporterTimeouts >= 2,
          () => `${memory.records.length} records, ${JSON.stringify(forensics.stats())}`,
        );
        const stats = forensics.stats();
        assert.equal(stats.recorded, 2);
        assert.equal(stats.exporterErrors, throwing.calls + rejecting.calls);
        assert.ok(throwing.calls >= 2 && rejecting.calls >= 2, 'each batch reached every exporter again');
        assert.equal(stats.exporterTimeouts, hanging.calls);
        assert.deepEqual(memory.records.map((r) => r.context), [{ client_id: 'acme' }, { client_id: 'acme' }]);
        assert.equal(logger.matching('error', 'ThrowingExporter failed').length, 1);
        assert.equal(logger.matching('error', 'RejectingExporter failed').length, 1);
        assert.equal(logger.matching('error', 'HangingExporter did not finish within exportTimeoutMs').length, 1);
      } finally {
        await running.close();
      }
    });
  });
}

describe('shutdown', () => {
  for (const platform of PLATFORMS) {
    it(`app.close() on ${platform} writes every queued record to the NDJSON file before it resolves`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hud-shutdown-'));
      const path = join(dir, 'records.ndjson');
      const gate = new GateExporter();
      const FAILURES = 30;
      const app = await start(platform, {
        exporters: [gate, new NdjsonFileExporter({ path })],
        rateLimit: false,
        exportTimeoutMs: 30_000,
      });
      try {
        for (let i = 0; i < FAILURES; i++) assert.equal((await fetch(`${app.url}/fail`)).status, 500);
        await gate.called;
        await eventually(
          () => app.forensics.stats().queued === FAILURES,
          () => JSON.stringify(app.forensics.stats()),
        );
        const queuedAtClose = app.forensics.stats().queued;
        const closing = app.close();
        await new Promise((resolve) => setTimeout(resolve, 50));
        gate.release(); // the held batch may finish only now, while the app shuts down
        await closing;

        assert.equal(queuedAtClose, FAILURES, 'every record was still queued when close() was called');
        const lines = readFileSync(path, 'utf8').split('\n');
        assert.equal(lines.pop(), '', 'the file ends with a complete line');
        const records = lines.map((line) => JSON.parse(line));
        assert.equal(records.length, FAILURES);
        assert.equal(new Set(records.map((r) => r.id)).size, FAILURES);
        assert.ok(records.every((r) => r.invocation.name === 'GET /fail' && r.context.client_id === 'acme'));
      } finally {
        gate.release();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
