// The `version` option: on every record beside `service`, by default the service.version of
// OTEL_RESOURCE_ATTRIBUTES, and on the inspector's record card. (On the metrics: metrics.test.ts.)
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Get, Module } from '@nestjs/common';
import { HudModule, MemoryExporter, type ForensicsRecord, type HudModuleOptions } from 'nestjs-hud';
import { resolveHudOptions } from '../lib/hud-options.resolver.js';
import { startHttpApp } from './support/http-app.js';

@Controller()
class OrdersController {
  @Get('orders')
  fail() {
    throw new Error('order failed');
  }
}

/** One failing request to an app with these options; the record it made, and the inspector page. */
async function recordOf(options: HudModuleOptions, environment?: string): Promise<{ record: ForensicsRecord; page: string }> {
  const memory = new MemoryExporter();
  @Module({ imports: [HudModule.forRoot({ exporters: [memory], inspector: { token: 't' }, ...options })], controllers: [OrdersController] })
  class AppModule {}
  const saved = process.env.OTEL_RESOURCE_ATTRIBUTES;
  if (environment === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
  else process.env.OTEL_RESOURCE_ATTRIBUTES = environment;
  try {
    const running = await startHttpApp('express', { imports: [AppModule] });
    try {
      await (await fetch(`${running.url}/orders`)).arrayBuffer();
      const record = await memory.waitFor(() => true);
      // the inspector holds records through a lane of its own: wait (bounded) until it has it
      let page = '';
      for (let attempt = 0; attempt < 50 && !page.includes('<article class="record '); attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        page = await (await fetch(`${running.url}/_hud?token=t`)).text();
      }
      assert.ok(page.includes('<article class="record '), 'the inspector shows the record');
      return { record, page };
    } finally {
      await running.close();
    }
  } finally {
    if (saved === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    else process.env.OTEL_RESOURCE_ATTRIBUTES = saved;
  }
}

describe('version: which version of the service a record comes from', () => {
  it('is on the record beside service, and on the inspector card', async () => {
    const { record, page } = await recordOf({ service: 'orders-api', version: '2.4.1' });
    assert.deepEqual([record.service, record.version], ['orders-api', '2.4.1']);
    assert.deepEqual(Object.keys(record).slice(0, 3), ['id', 'service', 'version']);
    assert.ok(page.includes('<span>version <b class="mono">2.4.1</b></span>'));
  });

  it("defaults to OTEL_RESOURCE_ATTRIBUTES' service.version (percent-decoded); the option wins", async () => {
    const fromEnvironment = await recordOf({}, 'service.name=orders,service.version=3.0.0%2Bbuild.7');
    assert.equal(fromEnvironment.record.version, '3.0.0+build.7');
    const given = await recordOf({ version: '3.1.0' }, 'service.version=3.0.0');
    assert.equal(given.record.version, '3.1.0');
  });

  it('is absent without either, and with a malformed variable', async () => {
    const none = await recordOf({});
    assert.equal('version' in none.record, false);
    assert.doesNotMatch(none.page, /<span>version /);
    const malformed = await recordOf({}, 'service.version=1.0.0,broken');
    assert.equal('version' in malformed.record, false);
  });

  it('must be a non-empty string', () => {
    for (const version of ['', 3]) {
      assert.throws(() => resolveHudOptions({ version } as never), /version must be a non-empty string/);
    }
  });
});
