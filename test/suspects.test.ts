import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Headers, Module } from '@nestjs/common';
import { HudContextService, HudForensics, HudModule, type HudModuleOptions, MemoryExporter, setContext } from 'nestjs-hud';
import { Test } from '@nestjs/testing';
import { mapLimit } from './reliability/support/random.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';
import { LoadClient } from './support/http-client.js';
import { CLIENTS, generateTraffic, tally, type TrafficItem } from './support/suspect-traffic.js';

class CheckoutFailed extends Error {}

@Controller('orders')
class OrdersController {
  @Get('checkout')
  checkout(@Headers('x-flags') flags: string | undefined, @Headers('x-fail') fail: string | undefined) {
    setContext({ flags: flags ? flags.split(',') : [] });
    if (fail === '1') throw new CheckoutFailed('payment gateway timeout');
    return { ok: true };
  }
}

function appModule(options: HudModuleOptions) {
  @Module({
    imports: [
      HudModule.forRoot({ fromHeaders: { client_id: 'x-client-id', user_tier: 'x-user-tier' }, exporters: [new MemoryExporter()], ...options }),
    ],
    controllers: [OrdersController],
  })
  class SuspectsAppModule {}
  return SuspectsAppModule;
}

async function send(client: LoadClient, item: TrafficItem): Promise<number> {
  const { status } = await client.get('/orders/checkout', {
    'x-client-id': item.client_id,
    'x-user-tier': item.user_tier,
    'x-flags': item.flags.join(','),
    'x-fail': item.fail ? '1' : '0',
  });
  return status;
}

/** A standalone app (no HTTP) whose custom invocations are counted like requests. */
async function standalone(options: HudModuleOptions) {
  const moduleRef = await Test.createTestingModule({
    imports: [HudModule.forRoot({ exporters: [new MemoryExporter()], rateLimit: false, ...options })],
  }).compile();
  await moduleRef.init();
  return { hud: moduleRef.get(HudContextService), forensics: moduleRef.get(HudForensics), close: () => moduleRef.close() };
}

/** Runs `count` custom invocations; `fails(i)` decides which throw. */
function invoke(hud: HudContextService, count: number, context: (i: number) => Record<string, string | string[]>, fails: (i: number) => boolean): void {
  for (let i = 0; i < count; i++) {
    try {
      hud.run('settle', () => {
        setContext(context(i));
        if (fails(i)) throw new Error('settlement failed');
      });
    } catch {
      // expected
    }
  }
}

describe('suspects: ground truth over real HTTP', () => {
  // 3,000 requests: pro fails 30 %, free 1 %; new-checkout doubles the rate; 50 unrelated clients
  const traffic = generateTraffic(20261201, 3000, {
    proShare: 0.2,
    failureRate: (tier) => (tier === 'pro' ? 0.3 : 0.01),
    doublingFlag: 'new-checkout',
    flagShare: 0.2,
  });
  let running: RunningApp;
  let statuses: number[];

  before(async () => {
    // a strict rate limit, so that most failing requests build no record
    running = await startHttpApp('express', { imports: [appModule({ rateLimit: { perSecond: 1, burst: 5 } })] });
    const client = new LoadClient(running.url, 16);
    try {
      statuses = await mapLimit(traffic, 16, (item) => send(client, item));
    } finally {
      client.close();
    }
  });
  after(() => running?.close());

  it('reports user_tier = pro and flags = new-checkout, and no client_id, with exact counts', (t) => {
    assert.equal(statuses.filter((s) => s === 500).length, traffic.filter((t) => t.fail).length);
    const reports = running.app.get(HudForensics).suspects();
    assert.equal(reports.length, 1);
    const [report] = reports;
    assert.equal(report.name, 'GET /orders/checkout');
    assert.equal(report.kind, 'http');
    assert.equal(report.trigger, 'failure');
    assert.equal(report.windowMs, 900_000);
    assert.deepEqual({ invocations: report.invocations, failures: report.failures }, tally(traffic, () => true));

    for (const s of report.suspects) {
      t.diagnostic(`${s.key} = ${s.value}: ${s.failures} of ${report.failures} failures, ${s.invocations} of ${report.invocations} calls, lift ${s.lift.toFixed(2)}, p ${s.pValue.toExponential(2)}`);
    }
    const found = report.suspects.map((s) => `${s.key}=${s.value}`);
    assert.ok(found.includes('user_tier=pro'), `found ${found.join(', ')}`);
    assert.ok(found.includes('flags=new-checkout'), `found ${found.join(', ')}`);
    assert.deepEqual(report.suspects.filter((s) => s.key === 'client_id'), [], 'no client is a suspect');
    assert.deepEqual(found.filter((f) => f !== 'user_tier=pro' && f !== 'flags=new-checkout'), []);

    const pro = report.suspects.find((s) => s.key === 'user_tier')!;
    const expected = tally(traffic, (t) => t.user_tier === 'pro');
    assert.deepEqual({ invocations: pro.invocations, failures: pro.failures }, expected);
    // pro's counts start with the first pro request (its span): the name's invocations and
    // failures since then are what its shares, lift and relative risk are measured against
    const spanInvocations = Math.round(pro.invocations / pro.baselineShare);
    const spanFailures = Math.round(pro.failures / pro.failureShare);
    assert.ok(spanInvocations <= report.invocations && spanFailures <= report.failures);
    if (pro.since === undefined) assert.deepEqual([spanInvocations, spanFailures], [report.invocations, report.failures]);
    else assert.ok(Date.parse(pro.since) <= Date.now());
    const rest = (spanFailures - pro.failures) / (spanInvocations - pro.invocations);
    assert.ok(Math.abs(pro.relativeRisk - pro.failures / pro.invocations / rest) < 1e-9);
    assert.ok(Math.abs(pro.lift - pro.failureShare / pro.baselineShare) < 1e-9);
    assert.ok(pro.pValue < 1e-20, `p ${pro.pValue}`);
    assert.equal(report.suspects[0], pro, 'the strongest first');
    const flag = report.suspects.find((s) => s.key === 'flags')!;
    assert.deepEqual({ invocations: flag.invocations, failures: flag.failures }, tally(traffic, (t) => t.flags.includes('new-checkout')));
    assert.ok(flag.relativeRisk >= 1.5 && flag.pValue < 0.01);
  });

  it('counts every invocation before the rate limit: all failures, though few records were built', async () => {
    const forensics = running.app.get(HudForensics);
    await forensics.flush();
    const { recorded, droppedByRateLimit } = forensics.stats();
    const failures = traffic.filter((t) => t.fail).length;
    assert.ok(droppedByRateLimit > 0, 'the rate limit dropped records');
    assert.ok(recorded < failures);
    assert.equal(forensics.suspects()[0].failures, failures);
  });

  it('narrows to one name and answers [] for a name with no failures', () => {
    const forensics = running.app.get(HudForensics);
    assert.equal(forensics.suspects({ name: 'GET /orders/checkout' }).length, 1);
    assert.deepEqual(forensics.suspects({ name: 'GET /nothing' }), []);
    assert.deepEqual(forensics.suspects({ trigger: 'slow' }), []);
    assert.throws(() => forensics.suspects({ trigger: 'bogus' as 'slow' }), /trigger must be 'failure' or 'slow'/);
  });
});

describe('suspects: what is counted', () => {
  /** pro fails 60 %, free 2 %; 400 invocations, one in four pro. */
  const tier = (i: number) => (i % 4 === 0 ? 'pro' : 'free');
  const fails = (i: number) => (tier(i) === 'pro' ? i % 20 < 12 : i % 100 === 1);

  it('counts any kind of invocation (here HudContextService.run, kind custom)', async () => {
    const app = await standalone({});
    try {
      invoke(app.hud, 400, (i) => ({ user_tier: tier(i) }), fails);
      const [report] = app.forensics.suspects();
      assert.equal(report.kind, 'custom');
      assert.deepEqual(report.suspects.map((s) => [s.key, s.value]), [['user_tier', 'pro']]);
    } finally {
      await app.close();
    }
  });

  it('never counts a redacted key', async () => {
    const app = await standalone({ redact: ['user-tier'] });
    try {
      invoke(app.hud, 400, (i) => ({ user_tier: tier(i), region: 'eu' }), fails);
      const [report] = app.forensics.suspects();
      assert.ok(report.failures > 0);
      assert.deepEqual(report.suspects, []);
    } finally {
      await app.close();
    }
  });

  it('counts only the listed keys with suspects.keys, and nothing with suspects: false', async () => {
    const listed = await standalone({ suspects: { keys: ['plan'] } });
    const off = await standalone({ suspects: false });
    try {
      for (const app of [listed, off]) invoke(app.hud, 400, (i) => ({ user_tier: tier(i), plan: tier(i) }), fails);
      assert.deepEqual(listed.forensics.suspects()[0].suspects.map((s) => s.key), ['plan']);
      assert.deepEqual(off.forensics.suspects(), []);
    } finally {
      await listed.close();
      await off.close();
    }
  });

  it("never reports '(other)', where values beyond maxValuesPerKey are counted", async () => {
    const app = await standalone({ suspects: { maxValuesPerKey: 2 } });
    try {
      // two frequent healthy regions, and 200 rare ones that always fail: their failures pile
      // up under '(other)', which is over-represented but is no value a user could act on
      invoke(app.hud, 1200, (i) => ({ region: i % 6 === 5 ? `rare-${i}` : i % 2 === 0 ? 'eu' : 'us' }), (i) => i % 6 === 5);
      // and a value literally named '(other)' is counted with them
      invoke(app.hud, 50, () => ({ region: '(other)' }), () => true);
      const [report] = app.forensics.suspects();
      assert.ok(report.failures >= 200);
      assert.ok(report.suspects.every((s) => s.value !== '(other)'), JSON.stringify(report.suspects));
    } finally {
      await app.close();
    }
  });

  it("compares slow invocations the same way with trigger: 'slow'", async () => {
    // Far apart, so a loaded machine cannot make a fast (synchronous) invocation slow.
    const app = await standalone({ slowThresholdMs: 200 });
    try {
      // Two waves, so that fast calls complete after the first slow one too: a value's counts
      // start with its first completed invocation, and pro's would otherwise be alone in its span.
      for (let wave = 0; wave < 2; wave++) {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            app.hud.run('report', async () => {
              setContext({ user_tier: i % 5 === 0 ? 'pro' : 'free' });
              if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 300)); // pro is slow
            }),
          ),
        );
      }
      assert.deepEqual(app.forensics.suspects(), [], 'no failure');
      const [report] = app.forensics.suspects({ trigger: 'slow' });
      assert.equal(report.trigger, 'slow');
      assert.deepEqual([report.invocations, report.failures], [100, 20]);
      assert.deepEqual(report.suspects.map((s) => [s.key, s.value, s.failures, s.invocations]), [['user_tier', 'pro', 20, 20]]);
    } finally {
      await app.close();
    }
  });

  it('forgets failures older than windowMs (real time, a 1.5 s window)', async () => {
    const app = await standalone({ suspects: { windowMs: 1500 } });
    try {
      invoke(app.hud, 400, (i) => ({ user_tier: tier(i) }), fails);
      assert.deepEqual(app.forensics.suspects()[0].suspects.map((s) => s.value), ['pro']);
      await new Promise((resolve) => setTimeout(resolve, 1700));
      assert.deepEqual(app.forensics.suspects(), [], 'the old failures no longer count');
      // new traffic where pro is healthy: the window holds only it
      invoke(app.hud, 400, (i) => ({ user_tier: tier(i) }), (i) => i % 50 === 7);
      const [report] = app.forensics.suspects();
      assert.equal(report.invocations, 400);
      assert.deepEqual(report.suspects, []);
    } finally {
      await app.close();
    }
  });

  it('validates the option at boot, and a partial object keeps the other defaults', async () => {
    await assert.rejects(standalone({ suspects: { maxKeys: 0 } }), /suspects\.maxKeys must be an integer >= 1/);
    await assert.rejects(standalone({ suspects: { windowMs: 10 } }), /suspects\.windowMs must be an integer >= 1000/);
    await assert.rejects(standalone({ suspects: { maxValue: 3 } as never }), /unknown option "suspects\.maxValue"/);
    await assert.rejects(standalone({ suspects: true as never }), /suspects must be \{ keys\?, maxKeys/);
    await assert.rejects(standalone({ suspects: { minRelativeRisk: 0.5 } }), /suspects\.minRelativeRisk must be a number >= 1/);
    await assert.rejects(standalone({ suspects: { minRelativeRisk: Number.NaN } }), /suspects\.minRelativeRisk must be a number >= 1/);
    const app = await standalone({ suspects: { minFailures: 50 } });
    try {
      invoke(app.hud, 400, (i) => ({ user_tier: tier(i) }), fails);
      // 60 pro failures: enough for 50; the rest of the defaults (window, caps) still apply
      const [report] = app.forensics.suspects();
      assert.equal(report.windowMs, 900_000);
      assert.deepEqual(report.suspects.map((s) => s.value), ['pro']);
    } finally {
      await app.close();
    }
    assert.equal(CLIENTS.length, 50);
  });
});
