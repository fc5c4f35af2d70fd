// The inspector's suspects: relative risk and lift on each line, the values with the same
// counts on the same line (escaped), the span's start when the value came later than the
// name's first calls, and the same in suspects.json.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Headers, Module } from '@nestjs/common';
import { HudModule, setContext, type HudSuspectReport } from 'nestjs-hud';
import { startHttpApp, type RunningApp } from './support/http-app.js';

const TOKEN = 'suspects-token-51c2';
const PLAN = '<b>gold</b>';

@Controller('pay')
class PayController {
  @Get()
  pay(@Headers('x-plan') plan: string | undefined, @Headers('x-fail') fail: string | undefined) {
    if (plan !== undefined) setContext({ plan });
    if (fail === '1') throw new Error('payment failed');
    return { ok: true };
  }
}

@Module({
  imports: [
    HudModule.forRoot({
      exporters: [],
      rateLimit: false,
      fromHeaders: { user_tier: 'x-user-tier' },
      inspector: { path: '/_hud', token: TOKEN },
    }),
  ],
  controllers: [PayController],
})
class PayModule {}

describe('inspector: suspects', () => {
  let running: RunningApp;
  before(async () => {
    running = await startHttpApp('express', { imports: [PayModule] });
    // 20 free calls first, then 40 where one in two is pro (always on the gold plan) and fails
    for (let i = 0; i < 60; i++) {
      const pro = i >= 20 && i % 2 === 0;
      const headers: Record<string, string> = { 'x-user-tier': pro ? 'pro' : 'free', 'x-fail': pro ? '1' : '0' };
      if (pro) headers['x-plan'] = PLAN;
      const response = await fetch(`${running.url}/pay`, { headers });
      await response.arrayBuffer();
    }
  });
  after(() => running?.close());

  it('shows relative risk, lift, the values with the same counts and since on one line', async () => {
    const html = await (await fetch(`${running.url}/_hud`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const line = /<div class="suspects" id="hud-suspects">.*?<li>(.*?)<\/li>/s.exec(html)?.[1] ?? '';
    assert.match(line, /<svg class="shares"[^>]*aria-label="100 % of failures, 50 % of calls"/);
    assert.match(line, />user_tier = pro<\/a> <span class="same"[^>]*>\(same as plan = &lt;b&gt;gold&lt;\/b&gt;\)<\/span>/);
    // pro came with the 21st call: its counts (and the name's it is compared with) start there
    assert.match(line, /: 20 of 20 failures \(100 %\), 50 % of calls, 2\.0× the average, relative risk ∞, since \d\d:\d\d:\d\d UTC<\/span>/);
    assert.doesNotMatch(html, /<b>gold<\/b>/);
  });

  it('serves relativeRisk, since and sameAs in suspects.json (Infinity as the string "Infinity")', async () => {
    const response = await fetch(`${running.url}/_hud/suspects.json?trigger=failure`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const { reports } = (await response.json()) as { reports: HudSuspectReport[] };
    const [suspect] = reports[0].suspects;
    assert.deepEqual(
      { ...suspect, since: typeof suspect.since, pValue: typeof suspect.pValue },
      {
        key: 'user_tier',
        value: 'pro',
        failures: 20,
        invocations: 20,
        failureShare: 1,
        baselineShare: 0.5,
        lift: 2,
        relativeRisk: 'Infinity',
        pValue: 'number',
        since: 'string',
        sameAs: [{ key: 'plan', value: PLAN }],
      },
    );
    assert.ok(Date.parse(suspect.since!) <= Date.now());
  });
});
