import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BadRequestException, Controller, Get, Module, ServiceUnavailableException, type Type } from '@nestjs/common';
import { HudForensics, HudModule, MemoryExporter, setContext, type ForensicsRecord, type HudExporter } from 'nestjs-hud';
import { throwError } from 'rxjs';
import { PLATFORMS, startHttpApp, type RunningApp } from '../support/http-app.js';
import { LoopbackClient, type HttpReply } from './support/http-client.js';
import { mapLimit } from './support/random.js';

/**
 * Everything that can go wrong around a failing request: exporters that throw, reject, hang
 * or are slow, a beforeRecord hook that throws, handlers that throw values that are not
 * Errors. The client must get exactly the response the same app gives without HudModule,
 * no promise may be left rejected unhandled, and the stats must account for every record.
 */
class ThrowingExporter implements HudExporter {
  export(): void {
    throw new Error('exporter throws');
  }
}
class RejectingExporter implements HudExporter {
  async export(): Promise<void> {
    throw new Error('exporter rejects');
  }
}
class HangingExporter implements HudExporter {
  export(): Promise<void> {
    return new Promise(() => {});
  }
}
class SlowExporter implements HudExporter {
  export(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 50));
  }
}
/** A MemoryExporter that also counts the batches it received. */
class BatchCountingExporter extends MemoryExporter {
  batches = 0;
  override export(records: ForensicsRecord[]): void {
    this.batches++;
    super.export(records);
  }
}

/** Route -> does it fail (i.e. must it be recorded)? */
const ROUTES: Record<string, boolean> = {
  'throw-string': true,
  'throw-null': true,
  'throw-undefined': true,
  'throw-frozen': true,
  'throw-number': true,
  'throw-error': true,
  'throw-bad-getstatus': true,
  'reject-string': true,
  'observable-error': true,
  'http-503': true,
  'http-400': false,
  ok: false,
};
const REPEAT = 6;

@Controller('faults')
class FaultsController {
  private mark(route: string) {
    setContext({ route, client_id: 'acme' });
  }

  @Get('throw-string')
  throwString() {
    this.mark('throw-string');
    throw 'x';
  }

  @Get('throw-null')
  throwNull() {
    this.mark('throw-null');
    throw null;
  }

  @Get('throw-undefined')
  throwUndefined() {
    this.mark('throw-undefined');
    throw undefined;
  }

  @Get('throw-frozen')
  throwFrozen() {
    this.mark('throw-frozen');
    throw Object.freeze({ code: 'E_FROZEN', detail: Object.freeze(['a']) });
  }

  @Get('throw-number')
  throwNumber() {
    this.mark('throw-number');
    throw 42;
  }

  @Get('throw-error')
  throwError() {
    this.mark('throw-error');
    throw new Error('plain error');
  }

  @Get('throw-bad-getstatus')
  throwBadGetStatus() {
    this.mark('throw-bad-getstatus');
    throw {
      getStatus() {
        throw new Error('getStatus throws');
      },
    };
  }

  @Get('reject-string')
  async rejectString() {
    this.mark('reject-string');
    await Promise.resolve();
    throw 'rejected';
  }

  @Get('observable-error')
  observableError() {
    this.mark('observable-error');
    return throwError(() => 'rx error');
  }

  @Get('http-503')
  http503() {
    this.mark('http-503');
    throw new ServiceUnavailableException('down');
  }

  @Get('http-400')
  http400() {
    this.mark('http-400');
    throw new BadRequestException('bad');
  }

  @Get('ok')
  ok() {
    this.mark('ok');
    return { ok: true };
  }
}

/** What the client sees that the module could change: status, headers (but the date) and body. */
function visible(reply: HttpReply) {
  const { date: _date, ...headers } = reply.headers;
  return { status: reply.status, headers, body: reply.body };
}

for (const platform of PLATFORMS) {
  describe(`faults around failing requests on ${platform}`, () => {
    const memory = new BatchCountingExporter();
    let withHud: RunningApp;
    let without: RunningApp;
    const client = new LoopbackClient();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);

    before(async () => {
      process.on('unhandledRejection', onUnhandled);
      @Module({
        imports: [
          HudModule.forRoot({
            exporters: [new ThrowingExporter(), new RejectingExporter(), new HangingExporter(), new SlowExporter(), memory],
            exportTimeoutMs: 1_000,
            rateLimit: false,
            slowThresholdMs: false,
            beforeRecord: () => {
              throw new Error('beforeRecord throws');
            },
          }),
        ],
        controllers: [FaultsController],
      })
      class WithHud {}
      @Module({ controllers: [FaultsController] })
      class WithoutHud {}
      withHud = await startHttpApp(platform, { imports: [WithHud as Type] });
      without = await startHttpApp(platform, { imports: [WithoutHud as Type] });
    });
    after(async () => {
      process.off('unhandledRejection', onUnhandled);
      client.close();
      await withHud?.close();
      await without?.close();
    });

    it('answers exactly as the app without HudModule, and accounts for every record', { timeout: 60_000 }, async () => {
      const requests = Object.keys(ROUTES).flatMap((route) => Array.from({ length: REPEAT }, () => route));
      const replies = await mapLimit(requests, 20, async (route) => ({
        route,
        hud: visible(await client.request(`${withHud.url}/faults/${route}`)),
        bare: visible(await client.request(`${without.url}/faults/${route}`)),
      }));
      for (const { route, hud, bare } of replies) assert.deepEqual(hud, bare, `GET /faults/${route}`);
      assert.ok(replies.some((r) => r.hud.status === 500) && replies.some((r) => r.hud.status === 503));

      const forensics = withHud.app.get(HudForensics);
      await forensics.flush();
      // Let the hanging exporter's last time-out and any stray rejection surface.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const failures = requests.filter((route) => ROUTES[route]).length;
      const stats = forensics.stats();
      assert.equal(stats.recorded + stats.droppedByRateLimit + stats.droppedByHook, failures, JSON.stringify(stats));
      assert.equal(stats.recorded, failures, 'a throwing beforeRecord keeps the record as it was');
      assert.equal(memory.records.length, failures, 'the healthy exporter got every record');
      // Each exporter has its own lane and counters: every record ends in one of them per lane.
      const lane = (name: string) => stats.exporters.find((l) => l.name === name)!;
      for (const { name, exported, failed, dropped, queued } of stats.exporters) {
        assert.equal(exported + failed + dropped + queued, stats.recorded, `${name}: ${JSON.stringify(stats.exporters)}`);
      }
      assert.equal(lane('BatchCountingExporter').exported, failures);
      assert.equal(lane('SlowExporter').exported, failures, 'the slow exporter got every record too');
      for (const name of ['ThrowingExporter', 'RejectingExporter', 'HangingExporter']) assert.equal(lane(name).failed, failures, name);
      assert.ok(lane('ThrowingExporter').errors >= 1 && lane('RejectingExporter').errors >= 1);
      assert.equal(stats.exporterErrors, lane('ThrowingExporter').errors + lane('RejectingExporter').errors, 'the throwing and the rejecting exporter, once per call');
      assert.equal(stats.exporterTimeouts, lane('HangingExporter').timeouts, 'the hanging exporter, once per call');
      assert.ok(lane('HangingExporter').timeouts >= 1);
      assert.equal(stats.queued, 0);
      const routes = new Map<string, number>();
      for (const record of memory.records) {
        assert.equal(record.trigger, 'error');
        assert.deepEqual(Object.keys(record.context).sort(), ['client_id', 'route']);
        routes.set(String(record.context.route), (routes.get(String(record.context.route)) ?? 0) + 1);
      }
      for (const [route, fails] of Object.entries(ROUTES)) assert.equal(routes.get(route) ?? 0, fails ? REPEAT : 0, route);
      assert.deepEqual(unhandled, [], 'no unhandled rejection');
    });
  });
}
