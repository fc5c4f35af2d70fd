import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module, Param, ServiceUnavailableException } from '@nestjs/common';
import {
  HudContextService,
  HudForensics,
  HudModule,
  MemoryExporter,
  setContext,
  type ForensicsRecord,
  type HudExporter,
} from 'nestjs-hud';
import { CapturedLogger } from './support/captured-logger.js';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

@Controller('faults')
class FaultsController {
  @Get('fail/:n')
  fail(@Param('n') n: string) {
    setContext({ n: Number(n) });
    throw new Error(`failure ${n}`);
  }

  @Get('unavailable')
  unavailable() {
    throw new ServiceUnavailableException('inventory down');
  }

  @Get('ok')
  ok() {
    return { ok: true };
  }
}

class ThrowingExporter implements HudExporter {
  calls = 0;
  export(): void {
    this.calls++;
    throw new Error('exporter exploded');
  }
}

class RejectingExporter implements HudExporter {
  calls = 0;
  async export(): Promise<void> {
    this.calls++;
    await Promise.resolve();
    throw new Error('exporter rejected');
  }
}

class HangingExporter implements HudExporter {
  calls = 0;
  export(): Promise<void> {
    this.calls++;
    return new Promise<void>(() => undefined);
  }
}

/** A MemoryExporter that also counts the batches it received. */
class CountingExporter extends MemoryExporter {
  batches = 0;
  override export(records: ForensicsRecord[]): void {
    this.batches++;
    super.export(records);
  }
}

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
  elapsedMs: number;
}

async function ask(url: string): Promise<Answer> {
  const startedAt = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), body, elapsedMs: performance.now() - startedAt };
}

const sameAnswer = (answer: Answer) => ({ status: answer.status, contentType: answer.contentType, body: answer.body });

/** Every failure recorded, and no slowness records: only what each test causes. */
const QUIET = { rateLimit: false, slowThresholdMs: false } as const;

const ROUTES = ['/faults/fail/0', '/faults/unavailable', '/faults/ok'];

for (const platform of PLATFORMS) {
  describe(`faulty exporters on ${platform}`, () => {
    /** The same controller without nestjs-hud: what clients must receive. */
    let control: RunningApp;
    const expected = new Map<string, ReturnType<typeof sameAnswer>>();
    before(async () => {
      control = await startHttpApp(platform, { controllers: [FaultsController] });
      for (const route of ROUTES) expected.set(route, sameAnswer(await ask(control.url + route)));
    });
    after(() => control.close());

    describe('an exporter that throws and one that rejects', () => {
      const thrower = new ThrowingExporter();
      const rejecter = new RejectingExporter();
      const counting = new CountingExporter();
      const logger = new CapturedLogger();
      let running: RunningApp;
      before(async () => {
        @Module({
          imports: [HudModule.forRoot({ exporters: [thrower, rejecter, counting], ...QUIET })],
          controllers: [FaultsController],
        })
        class AppModule {}
        running = await startHttpApp(platform, { imports: [AppModule] }, undefined, { logger });
      });
      after(() => running.close());

      it('leave every response as it is without the module', async () => {
        for (const route of ROUTES) {
          assert.deepEqual(sameAnswer(await ask(running.url + route)), expected.get(route), route);
        }
      });

      it('do not keep the other exporters from getting every record, and are counted and reported once', async () => {
        await running.app.get(HudForensics).flush();
        counting.clear();
        const before = running.app.get(HudForensics).stats();
        const batchesBefore = counting.batches;
        const throwerCallsBefore = thrower.calls;
        const rejecterCallsBefore = rejecter.calls;
        for (let n = 1; n <= 5; n++) {
          const answer = await ask(`${running.url}/faults/fail/${n}`);
          assert.equal(answer.status, 500);
          await counting.waitFor((r) => r.context.n === n);
        }
        await Promise.all([ask(`${running.url}/faults/fail/6`), ask(`${running.url}/faults/fail/7`)]);
        await running.app.get(HudForensics).flush();

        assert.deepEqual(
          counting.records.map((r) => r.context.n).sort(),
          [1, 2, 3, 4, 5, 6, 7],
        );
        const batches = counting.batches - batchesBefore;
        assert.equal(thrower.calls - throwerCallsBefore, batches, 'the throwing exporter was still called for each batch');
        assert.equal(rejecter.calls - rejecterCallsBefore, batches, 'the rejecting exporter was still called for each batch');
        const stats = running.app.get(HudForensics).stats();
        assert.equal(stats.recorded - before.recorded, 7);
        assert.equal(stats.exporterErrors - before.exporterErrors, 2 * batches, 'both failing exporters counted per batch');
        assert.equal(stats.exporterTimeouts, 0);
        assert.equal(stats.queued, 0);

        const reports = logger.of('error').filter((e) => e.context === 'HudForensics');
        assert.equal(reports.filter((e) => /ThrowingExporter failed: Error: exporter exploded/.test(e.message)).length, 1);
        assert.equal(reports.filter((e) => /RejectingExporter failed: Error: exporter rejected/.test(e.message)).length, 1);
      });
    });

    describe('an exporter that hangs', () => {
      const EXPORT_TIMEOUT_MS = 1000;
      const hanging = new HangingExporter();
      const counting = new CountingExporter();
      const logger = new CapturedLogger();
      let running: RunningApp;
      before(async () => {
        @Module({
          imports: [
            HudModule.forRoot({ exporters: [hanging, counting], ...QUIET, exportTimeoutMs: EXPORT_TIMEOUT_MS }),
          ],
          controllers: [FaultsController],
        })
        class AppModule {}
        running = await startHttpApp(platform, { imports: [AppModule] }, undefined, { logger });
      });
      after(() => running.close());

      it('neither changes nor delays responses, and times out without holding back the other exporters', async () => {
        const first = await ask(`${running.url}/faults/fail/0`);
        assert.deepEqual(sameAnswer(first), expected.get('/faults/fail/0'));
        await counting.waitFor((r) => r.context.n === 0);
        // the first batch is now stuck in the hanging exporter until exportTimeoutMs
        const whileStuck = await Promise.all(ROUTES.map((route) => ask(running.url + route)));
        ROUTES.forEach((route, i) => assert.deepEqual(sameAnswer(whileStuck[i]), expected.get(route), route));
        for (const answer of [first, ...whileStuck]) {
          assert.ok(
            answer.elapsedMs < EXPORT_TIMEOUT_MS,
            `a response took ${Math.round(answer.elapsedMs)} ms: it waited for the hanging exporter`,
          );
        }
        await counting.waitFor((r) => r.invocation.name === 'GET /faults/unavailable', 4 * EXPORT_TIMEOUT_MS);
        await running.app.get(HudForensics).flush();
        assert.deepEqual(
          counting.records.map((r) => r.invocation.name).sort(),
          ['GET /faults/fail/:n', 'GET /faults/fail/:n', 'GET /faults/unavailable'],
        );

        const stats = running.app.get(HudForensics).stats();
        assert.equal(stats.exporterTimeouts, hanging.calls, 'each hung batch counted');
        assert.ok(hanging.calls >= 2, `hanging exporter called ${hanging.calls} times`);
        assert.equal(stats.exporterErrors, 0);
        const reports = logger.of('error').filter((e) => /HangingExporter did not finish within exportTimeoutMs \(1000 ms\)/.test(e.message));
        assert.equal(reports.length, 1, 'reported once, then only counted');
      });
    });

    describe('app.close()', () => {
      it('flushes the records still queued, then shuts the exporters down', async () => {
        const events: string[] = [];
        let releaseFirstBatch!: () => void;
        const firstBatchReleased = new Promise<void>((resolve) => (releaseFirstBatch = resolve));
        /** Holds its first batch until released, so that later records wait in the queue. */
        class SlowExporter implements HudExporter {
          private calls = 0;
          async export(records: ForensicsRecord[]): Promise<void> {
            if (this.calls++ === 0) await firstBatchReleased;
            for (const record of records) events.push(`export ${record.invocation.name}`);
          }
          async shutdown(): Promise<void> {
            events.push('shutdown');
          }
        }
        const memory = new MemoryExporter();
        @Module({
          imports: [HudModule.forRoot({ exporters: [new SlowExporter(), memory], ...QUIET })],
          controllers: [FaultsController],
        })
        class AppModule {}
        const running = await startHttpApp(platform, { imports: [AppModule] });
        const forensics = running.app.get(HudForensics);

        assert.equal((await ask(`${running.url}/faults/fail/1`)).status, 500);
        await memory.waitFor((r) => r.context.n === 1); // the first batch is now held by SlowExporter
        assert.equal((await ask(`${running.url}/faults/fail/2`)).status, 500);
        assert.throws(() =>
          running.app.get(HudContextService).run('closing.job', () => {
            throw new Error('job failed right before close');
          }),
        );
        // queued counts the batch an exporter still holds (1) and the two records waiting behind it
        assert.equal(forensics.stats().queued, 3, 'two records wait behind the batch being exported');

        const closing = running.close();
        releaseFirstBatch();
        await closing;

        assert.deepEqual(events, [
          'export GET /faults/fail/:n',
          'export GET /faults/fail/:n',
          'export closing.job',
          'shutdown',
        ]);
        assert.deepEqual(
          memory.records.map((r) => r.invocation.name),
          ['GET /faults/fail/:n', 'GET /faults/fail/:n', 'closing.job'],
        );
        assert.equal(forensics.stats().queued, 0);
      });
    });
  });
}
