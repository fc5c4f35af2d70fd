import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Get } from '@nestjs/common';
import { HudModule, SetHudContext } from 'nestjs-hud';
import { CapturedLogger } from './support/captured-logger.js';
import { startHttpApp } from './support/http-app.js';

// Notes are remembered so each is written once, within a bounded memory. What other services
// send in `hud-context` is input nestjs-hud does not control: a flood of unknown keys has a
// budget of its own, and cannot use up the one of the module's other warnings.

@Controller()
class ReportsController {
  @Get('ping')
  ping() {
    return 'pong';
  }

  /** A context source that fails: nestjs-hud warns about it once (a note of its own kind). */
  @Get('report')
  @SetHudContext(() => {
    throw new Error('tenant lookup failed');
  })
  report() {
    return 'report';
  }
}

describe('notes about received hud-context headers', () => {
  it('20 requests x 64 unknown keys do not silence an unrelated warning', async () => {
    const logger = new CapturedLogger();
    const running = await startHttpApp(
      'express',
      { imports: [HudModule.forRoot({ exporters: [], propagation: { keys: ['client_id'] } })], controllers: [ReportsController] },
      (app) => app.useLogger(logger),
      { logger },
    );
    try {
      for (let request = 0; request < 20; request++) {
        const header = Array.from({ length: 64 }, (_, k) => `k${request}_${k}=1`).join(',');
        const response = await fetch(`${running.url}/ping`, { headers: { 'hud-context': header } });
        assert.equal(await response.text(), 'pong');
      }
      const propagationNotes = logger.of('debug', 'not in propagation.keys');
      assert.ok(propagationNotes.length >= 900, `the unknown keys were noted (${propagationNotes.length} notes)`);
      assert.ok(propagationNotes.length <= 1000, 'within a bounded budget');

      const response = await fetch(`${running.url}/report`);
      assert.equal(await response.text(), 'report');
      assert.equal(logger.of('warn', '@SetHudContext on').length, 1, 'the unrelated warning was still written');
    } finally {
      await running.close();
    }
  });
});
