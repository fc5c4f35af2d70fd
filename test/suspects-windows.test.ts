// Suspects through a real Nest app over HTTP, across several windows of a short windowMs: a
// version on 70 % of the calls carrying every failure is found (its lift can never reach 1.5),
// 60 clients churning through 20 rows make no suspect, and once the version is fixed and a
// flag starts failing, the window forgets the one and finds the other.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Headers, Module } from '@nestjs/common';
import { HudForensics, HudModule, MemoryExporter, setContext, type HudSuspectReport } from 'nestjs-hud';
import { mapLimit, seededRandom } from './reliability/support/random.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';
import { LoadClient } from './support/http-client.js';

const WINDOW_MS = 3000;
const NAME = 'GET /checkout';

@Controller('checkout')
class CheckoutController {
  @Get()
  checkout(@Headers('x-flags') flags: string | undefined, @Headers('x-fail') fail: string | undefined) {
    setContext({ flags: flags ? flags.split(',') : [] });
    if (fail === '1') throw new Error('checkout failed');
    return { ok: true };
  }
}

@Module({
  imports: [
    HudModule.forRoot({
      fromHeaders: { client_id: 'x-client-id', app_version: 'x-app-version', user_tier: 'x-user-tier' },
      exporters: [new MemoryExporter()],
      rateLimit: { perSecond: 1, burst: 1 },
      suspects: { windowMs: WINDOW_MS },
    }),
  ],
  controllers: [CheckoutController],
})
class CheckoutAppModule {}

type Phase = 'version' | 'flag';

describe('suspects over HTTP across several windows (windowMs 3 s)', () => {
  let running: RunningApp;
  let client: LoadClient;
  const random = seededRandom(2027);
  const sent = { v2: 0, v2Failing: 0 };

  /** 40 requests: v2 on 70 %, 60 clients, beta on 30 %; in phase 'version' v2 fails half the time, in 'flag' beta does. */
  async function round(phase: Phase): Promise<void> {
    const requests = Array.from({ length: 40 }, () => {
      const v2 = random() < 0.7;
      const beta = random() < 0.3;
      const fails = phase === 'version' ? v2 && random() < 0.5 : beta ? random() < 0.6 : random() < 0.02;
      if (phase === 'version' && v2) {
        sent.v2++;
        if (fails) sent.v2Failing++;
      }
      return {
        'x-client-id': `client-${Math.floor(random() * 60)}`,
        'x-app-version': v2 ? 'v2' : 'v1',
        'x-user-tier': random() < 0.5 ? 'pro' : 'free',
        'x-flags': beta ? 'beta' : '',
        'x-fail': fails ? '1' : '0',
      };
    });
    await mapLimit(requests, 8, (headers) => client.get('/checkout', headers));
  }

  const report = (): HudSuspectReport | undefined => running.app.get(HudForensics).suspects({ name: NAME })[0];
  const has = (r: HudSuspectReport | undefined, key: string, value: string) => r?.suspects.some((s) => s.key === key && s.value === value) ?? false;

  /** Sends rounds of `phase` for at least `minMs`, until `done()` holds; gives up after `maxMs`. */
  async function sendUntil(phase: Phase, minMs: number, maxMs: number, done: () => boolean): Promise<void> {
    const started = performance.now();
    for (let rounds = 0; rounds < 2000; rounds++) {
      await round(phase);
      const elapsed = performance.now() - started;
      if ((elapsed >= minMs && done()) || elapsed >= maxMs) return;
    }
  }

  before(async () => {
    running = await startHttpApp('express', { imports: [CheckoutAppModule] });
    client = new LoadClient(running.url, 8);
  });
  after(async () => {
    client?.close();
    await running?.close();
  });

  it('finds v2 (70 % of calls, every failure) after 4 windows of churning clients, with no client or flag beside it', async () => {
    await sendUntil('version', 4 * WINDOW_MS, 30_000, () => has(report(), 'app_version', 'v2'));
    const found = report();
    assert.ok(found, 'the name has failures');
    assert.deepEqual(
      found.suspects.map((s) => `${s.key}=${s.value}`),
      ['app_version=v2'],
      JSON.stringify(found.suspects),
    );
    const [v2] = found.suspects;
    assert.equal(v2.relativeRisk, Infinity);
    assert.equal(v2.failureShare, 1);
    assert.ok(v2.lift < 1.5, `its lift (${v2.lift}) could never have made it a suspect`);
    assert.equal(v2.since, undefined, 'v2 held its row for more than a window');
    assert.ok(v2.invocations < sent.v2 && v2.failures < sent.v2Failing, 'only the last window counts');
    assert.ok(has(running.app.get(HudForensics).suspects()[0], 'app_version', 'v2'), 'in the answer for every name too');
  });

  it('forgets v2 once it is fixed and finds the failing flag instead, within a few windows', async () => {
    await sendUntil('flag', WINDOW_MS, 30_000, () => has(report(), 'flags', 'beta') && !has(report(), 'app_version', 'v2'));
    const found = report();
    assert.deepEqual(
      found?.suspects.map((s) => `${s.key}=${s.value}`),
      ['flags=beta'],
      JSON.stringify(found?.suspects),
    );
    const [beta] = found!.suspects;
    assert.ok(beta.relativeRisk >= 1.5 && beta.pValue < 0.01);
    assert.equal(beta.since, undefined, 'beta was counted all along');
  });
});
