// What changed, end to end: a Nest app over HTTP with a 3-second window (buckets of 200 ms, a
// recent span of 600 ms). Steady failures are no change; a client starting to fail is, within
// the recent span, on HudForensics.changes(), changes.json and the inspector's "What changed"
// section (escaped, with its chart); once it stops, the change is forgotten.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Headers, Module } from '@nestjs/common';
import { HudForensics, HudModule, type HudChangeReport } from 'nestjs-hud';
import { mapLimit, seededRandom } from './reliability/support/random.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';
import { LoadClient } from './support/http-client.js';

const TOKEN = 'changes-token-9e1d';
const WINDOW_MS = 3000;
const ACME = '<b>acme</b>';

@Controller('pay')
class PayController {
  @Get()
  pay(@Headers('x-fail') fail: string | undefined) {
    if (fail === '1') throw new Error('payment failed');
    return { ok: true };
  }
}

@Module({
  imports: [
    HudModule.forRoot({
      exporters: [],
      rateLimit: { perSecond: 1, burst: 1 },
      fromHeaders: { client_id: 'x-client-id' },
      suspects: { windowMs: WINDOW_MS },
      inspector: { path: '/_hud', token: TOKEN },
    }),
  ],
  controllers: [PayController],
})
class PayModule {}

describe('what changed over HTTP (windowMs 3 s, recent span 600 ms)', () => {
  let running: RunningApp;
  let client: LoadClient;
  const random = seededRandom(31);
  const auth = { authorization: `Bearer ${TOKEN}` };

  /** 30 requests from 6 clients; `acmeFails`: acme's fail 80 % of the time, else every call fails 1 %. */
  async function round(acmeFails: boolean): Promise<void> {
    const requests = Array.from({ length: 30 }, () => {
      const acme = random() < 0.3;
      const fails = acme && acmeFails ? random() < 0.8 : random() < 0.01;
      return { 'x-client-id': acme ? ACME : `client-${Math.floor(random() * 5)}`, 'x-fail': fails ? '1' : '0' };
    });
    await mapLimit(requests, 6, (headers) => client.get('/pay', headers));
  }

  const changes = (): HudChangeReport[] => running.app.get(HudForensics).changes();

  /** Sends rounds for at least `minMs` and until `done()`, or `maxMs`. */
  async function sendUntil(acmeFails: boolean, minMs: number, maxMs: number, done: () => boolean): Promise<void> {
    const started = performance.now();
    for (let rounds = 0; rounds < 5000; rounds++) {
      await round(acmeFails);
      const elapsed = performance.now() - started;
      if ((elapsed >= minMs && done()) || elapsed >= maxMs) return;
    }
  }

  before(async () => {
    running = await startHttpApp('express', { imports: [PayModule] });
    client = new LoadClient(running.url, 6);
  });
  after(async () => {
    client?.close();
    await running?.close();
  });

  it('reports nothing while failures are steady', async () => {
    let reads = 0;
    let withChanges = 0;
    const started = performance.now();
    for (let rounds = 0; rounds < 5000 && performance.now() - started < 2 * WINDOW_MS; rounds++) {
      await round(false);
      reads++;
      if (changes().length > 0) withChanges++;
    }
    assert.ok(reads >= 5, `${reads} reads`);
    assert.equal(withChanges, 0, `${withChanges} of ${reads} reads reported a change`);
  });

  it('reports the route once one client starts failing, naming the client, on changes(), changes.json and the page', async () => {
    await sendUntil(true, 0, 20_000, () => changes()[0]?.suspects.length > 0);
    const [report] = changes();
    assert.ok(report, 'a change was reported');
    assert.equal(report.name, 'GET /pay');
    assert.ok(report.failureRate && report.failureRate.ratio >= 2 && report.failureRate.pValue < 0.001, JSON.stringify(report));
    assert.ok(report.after.failureRate > report.before.failureRate);
    assert.ok(Date.parse(report.since) <= Date.now() && Date.now() - Date.parse(report.since) < 60_000);
    assert.deepEqual(
      report.suspects.map((s) => [s.key, s.value]),
      [['client_id', ACME]],
    );

    assert.equal((await fetch(`${running.url}/_hud/changes.json`)).status, 401);
    assert.deepEqual((await (await fetch(`${running.url}/_hud/changes.json?name=nope`, { headers: auth })).json()) as unknown, { reports: [] });
    // The recent span is 600 ms: on a loaded machine it can move on between two reads. acme
    // goes on failing while the JSON and the page are read, until one read of each shows the
    // change (bounded), and that read is the one checked.
    let json: { reports: HudChangeReport[] } = { reports: [] };
    let html = '';
    let section = '';
    for (let attempt = 0; attempt < 50 && !(json.reports[0]?.name === 'GET /pay' && section.includes('<article class="change">')); attempt++) {
      await round(true);
      json = (await (await fetch(`${running.url}/_hud/changes.json?name=${encodeURIComponent('GET /pay')}`, { headers: auth })).json()) as { reports: HudChangeReport[] };
      html = await (await fetch(`${running.url}/_hud`, { headers: auth })).text();
      section = /<h2>What changed .*?(?=<h2>Suspects)/s.exec(html)?.[0] ?? '';
    }
    assert.equal(json.reports[0]?.name, 'GET /pay');
    assert.match(section, /<article class="change"><h3><span class="mono">GET \/pay<\/span><span class="muted">since \d\d:\d\d:\d\d UTC<\/span><\/h3>/);
    assert.match(section, /<li>failures [\d.]+ % → [\d.]+ % \([\d.]+×|∞\)/);
    assert.match(section, /<svg class="change-chart"[^>]*role="img"[^>]*>.*<rect class="recent".*<rect class="rate"/s);
    assert.match(section, /hits <a class="mono" href="[^"]*">client_id = &lt;b&gt;acme&lt;\/b&gt;<\/a>/);
    assert.doesNotMatch(html, /<b>acme<\/b>/);
    assert.ok(html.indexOf('<h2>What changed') < html.indexOf('<h2>Suspects'), 'above the suspects');
  });

  it('forgets the change once the client is fixed and the recent span has moved on', async () => {
    await sendUntil(false, 0, 20_000, () => changes().length === 0);
    assert.deepEqual(changes(), []);
  });
});
