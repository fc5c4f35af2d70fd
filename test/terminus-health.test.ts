import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HudForensics, HudModule, MemoryExporter, type ForensicsRecord, type HudExporter } from 'nestjs-hud';
import { importDocSnippet } from './support/doc-snippets.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

// docs/exporters.md's HudHealthIndicator and HealthController, compiled from the page and run
// with the real @nestjs/terminus: up while the exporters keep up, down while one is stuck or
// its queue overflows, up again once it catches up.

/** An exporter whose calls wait until the test releases them. */
class StalledExporter implements HudExporter {
  private release: (() => void) | undefined;
  private stalled = true;
  export(_records: readonly ForensicsRecord[]): Promise<void> | void {
    if (!this.stalled) return;
    return new Promise<void>((resolve) => (this.release = resolve));
  }
  resume(): void {
    this.stalled = false;
    this.release?.();
  }
}

@Controller('orders')
class OrdersController {
  @Get()
  fail() {
    throw new Error('payment gateway timeout');
  }
}

describe("docs/exporters.md's terminus health indicator", () => {
  const stalled = new StalledExporter();
  const memory = new MemoryExporter();
  let running: RunningApp;

  before(async () => {
    const { HudHealthIndicator } = await importDocSnippet<{ HudHealthIndicator: Function }>('exporters.md', 'hud.health.ts');
    const { HealthController } = await importDocSnippet<{ HealthController: Function }>('exporters.md', 'health.controller.ts');
    running = await startHttpApp('express', {
      imports: [TerminusModule, HudModule.forRoot({ exporters: [stalled, memory], maxQueueSize: 3, exportTimeoutMs: 600_000, rateLimit: false })],
      controllers: [OrdersController, HealthController as never],
      providers: [HudHealthIndicator as never],
    });
  });
  after(async () => {
    stalled.resume();
    await running.close();
  });

  async function health(): Promise<{ status: number; body: any }> {
    const response = await fetch(`${running.url}/health`);
    return { status: response.status, body: await response.json() };
  }

  /** Fails `count` requests and waits (bounded) until the healthy exporter got their records: they are all built. */
  async function fail(count: number): Promise<void> {
    const before = memory.records.filter((r) => r.invocation.name === 'GET /orders').length;
    for (let i = 0; i < count; i++) assert.equal((await fetch(`${running.url}/orders`)).status, 500);
    await memory.waitFor(() => memory.records.filter((r) => r.invocation.name === 'GET /orders').length >= before + count, 5000);
  }

  it('is up while nothing waits, down while an exporter is stuck or overflows, up once it caught up', async () => {
    assert.deepEqual(await health(), { status: 200, body: { status: 'ok', info: { hud: { status: 'up', exporters: 2 } }, error: {}, details: { hud: { status: 'up', exporters: 2 } } } });

    await fail(1); // the stalled exporter holds it: waiting, but no check has seen it wait yet
    assert.equal((await health()).status, 200);
    const stuck = await health(); // waiting since the last check, none exported: stuck
    assert.equal(stuck.status, 503);
    assert.deepEqual(stuck.body.error.hud, { status: 'down', problems: ['StalledExporter: stuck, 1 records waiting and none exported since the last check'] });

    await fail(5); // maxQueueSize 3: the oldest waiting ones are dropped
    const overflowing = await health();
    assert.equal(overflowing.status, 503);
    assert.ok(running.app.get(HudForensics).stats().exporters[0].dropped > 0, 'records were dropped');
    // (the 503 answers of /health are failing requests too, recorded like the others: the count is not fixed)
    assert.equal(overflowing.body.error.hud.problems.length, 1);
    assert.match(overflowing.body.error.hud.problems[0], /^StalledExporter: queue full, [1-9]\d* records dropped since the last check$/);

    stalled.resume();
    const forensics = running.app.get(HudForensics);
    await forensics.flush();
    // This check may still report what was dropped after the previous one (its own 503 included)...
    await health();
    await forensics.flush();
    // ...the next ones see an exporter that caught up.
    assert.deepEqual(await health(), { status: 200, body: { status: 'ok', info: { hud: { status: 'up', exporters: 2 } }, error: {}, details: { hud: { status: 'up', exporters: 2 } } } });
    assert.equal(forensics.stats().exporters[0].queued, 0);
  });
});
