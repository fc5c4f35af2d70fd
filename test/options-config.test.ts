import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Controller, Get } from '@nestjs/common';
import { HudForensics } from 'nestjs-hud';
import { CapturedLogger } from './support/captured-logger.js';
import { importDocSnippet } from './support/doc-snippets.js';
import { startHttpApp } from './support/http-app.js';

// docs/options.md's forRootAsync with @nestjs/config's ConfigService, compiled from the page
// and booted as written, with the real @nestjs/config reading the environment.

@Controller('orders')
class OrdersController {
  @Get()
  fail() {
    throw new Error('payment gateway timeout');
  }
}

const KEYS = ['SERVICE_NAME', 'HUD_ENABLED', 'HUD_SLOW_THRESHOLD_MS'];

async function failOnce(env: Record<string, string>): Promise<{ records: any[] }> {
  for (const [key, value] of Object.entries(env)) process.env[key] = value;
  const { AppModule } = await importDocSnippet<{ AppModule: Function }>('options.md', 'app.module.ts');
  const logger = new CapturedLogger();
  const running = await startHttpApp('express', { imports: [AppModule as never], controllers: [OrdersController] }, undefined, { logger });
  try {
    assert.equal((await fetch(`${running.url}/orders`)).status, 500);
    await running.app.get(HudForensics).flush();
  } finally {
    await running.close();
  }
  return { records: logger.entries.filter((e) => e.context === 'HudForensics' && e.level === 'error').map((e) => JSON.parse(e.message)) };
}

describe("docs/options.md's forRootAsync with ConfigService", () => {
  afterEach(() => {
    for (const key of KEYS) delete process.env[key];
  });

  it('takes the service name from the configuration', async () => {
    const { records } = await failOnce({ SERVICE_NAME: 'billing-api' });
    assert.equal(records.length, 1);
    assert.equal(records[0].service, 'billing-api');
  });

  it('turns the module off with HUD_ENABLED=false', async () => {
    const { records } = await failOnce({ HUD_ENABLED: 'false' });
    assert.deepEqual(records, []);
  });

  it('fails start-up on a bad value, naming the option', async () => {
    await assert.rejects(failOnce({ HUD_SLOW_THRESHOLD_MS: 'abc' }), /slowThresholdMs/);
  });
});
