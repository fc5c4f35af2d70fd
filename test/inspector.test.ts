import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module, Param, Query } from '@nestjs/common';
import { addBreadcrumb, HudForensics, HudModule, MemoryExporter, setContext, setFailure, type ForensicsRecord, type HudModuleOptions } from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type Platform, type RunningApp } from './support/http-app.js';

const TOKEN = 'inspector-token-7f3a9c';
const SCRIPT_VALUE = '<script>window.__hudPwned = 1</script>';
const ATTRIBUTE_VALUE = `"'><img src=x onerror=alert(1)>`;

@Controller('orders')
class OrdersController {
  @Get(':id')
  fail(@Param('id') id: string, @Query('note') note?: string) {
    setContext({ order_id: id, note });
    throw new Error(`order ${id} failed`);
  }
}

function appModule(options: HudModuleOptions) {
  @Module({ imports: [HudModule.forRoot(options)], controllers: [OrdersController] })
  class AppModule {}
  return AppModule;
}

const auth = { authorization: `Bearer ${TOKEN}` };

async function recordsJson(url: string, query = ''): Promise<ForensicsRecord[]> {
  const response = await fetch(`${url}/_hud/records.json${query}`, { headers: auth });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await response.json()) as { records: ForensicsRecord[] };
  assert.deepEqual(Object.keys(body), ['records']);
  return body.records;
}

for (const platform of PLATFORMS) {
  describe(`inspector on ${platform}`, () => {
    const memory = new MemoryExporter();
    let running: RunningApp;
    before(async () => {
      running = await startHttpApp(platform, {
        imports: [
          appModule({
            service: 'orders-api',
            exporters: [memory],
            rateLimit: false,
            fromHeaders: { client_id: 'x-client-id' },
            // a 401 would be a failure here: the inspector's own answers must still never be recorded
            captureStatus: (status) => status >= 500 || status === 401,
            redact: ['authorization'],
            inspector: { path: '/_hud', token: TOKEN, maxRecords: 5 },
          }),
        ],
      });
      const fail = (id: string, client: string, note?: string) =>
        fetch(`${running.url}/orders/${id}${note !== undefined ? `?note=${encodeURIComponent(note)}` : ''}`, {
          headers: { 'x-client-id': client },
        });
      for (const [id, client] of [['1', 'acme'], ['2', 'globex'], ['3', 'acme'], ['4', 'initech']]) {
        assert.equal((await fail(id, client)).status, 500);
      }
      assert.equal((await fail('5', 'acme', SCRIPT_VALUE)).status, 500);
      assert.equal((await fail('6', 'globex', ATTRIBUTE_VALUE)).status, 500);
      await running.app.get(HudForensics).flush();
    });
    after(() => running.close());

    it('answers 401 on both paths without the token or with a wrong one', async () => {
      const attempts: Array<[string, RequestInit?]> = [
        ['/_hud'],
        ['/_hud/records.json'],
        ['/_hud?token=wrong'],
        ['/_hud/records.json?token=wrong'],
        [`/_hud?token=${TOKEN}x`],
        [`/_hud?token=${TOKEN.slice(0, -1)}`],
        ['/_hud', { headers: { authorization: 'Bearer wrong' } }],
        ['/_hud/records.json', { headers: { authorization: `Basic ${TOKEN}` } }],
        ['/_hud/records.json', { headers: { authorization: TOKEN } }],
      ];
      for (const [path, init] of attempts) {
        const response = await fetch(`${running.url}${path}`, init);
        assert.equal(response.status, 401, `${path} ${JSON.stringify(init ?? {})}`);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
        const text = await response.text();
        assert.equal(text.includes('order'), false, 'no record leaks in a 401');
      }
    });

    it('serves records.json newest first, with the token as a Bearer header or ?token=', async () => {
      const records = await recordsJson(running.url);
      // maxRecords 5: the oldest of the 6 failures has left the ring
      assert.deepEqual(records.map((r) => r.context.order_id), ['6', '5', '4', '3', '2']);
      assert.deepEqual(records.map((r) => r.id), memory.records.slice(-5).map((r) => r.id).reverse());
      assert.deepEqual(records[2].context, { client_id: 'initech', order_id: '4' });
      assert.equal(records[2].error?.message, 'order 4 failed');

      const byQuery = await fetch(`${running.url}/_hud/records.json?token=${TOKEN}`);
      assert.equal(byQuery.status, 200);
      assert.equal(((await byQuery.json()) as { records: unknown[] }).records.length, 5);
    });

    it('filters by context key and value, on the JSON and on the page', async () => {
      const acme = await recordsJson(running.url, '?key=client_id&value=acme');
      assert.deepEqual(acme.map((r) => r.context.order_id), ['5', '3']);
      assert.deepEqual((await recordsJson(running.url, '?key=note')).map((r) => r.context.order_id), ['6', '5']);
      assert.deepEqual(await recordsJson(running.url, '?key=client_id&value=nobody'), []);

      const page = await fetch(`${running.url}/_hud?key=client_id&value=acme&token=${TOKEN}`);
      const html = await page.text();
      assert.equal(html.match(/<article class="record/g)?.length, 2);
      assert.match(html, /Showing <b class="mono">client_id<\/b> = <b class="mono">acme<\/b>: 2 of 5 records/);
      // links keep the token that came in the query string, so the page works from a bookmark
      assert.match(html, /href="\/_hud\?key=order_id&amp;value=5&amp;token=inspector-token-7f3a9c"/);
    });

    it('renders an HTML page grouped by invocation name, every value escaped', async () => {
      const response = await fetch(`${running.url}/_hud`, { headers: auth });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
      assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'nonce-[^']+'/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const html = await response.text();

      assert.match(html, /<td><a class="mono" href="[^"]*">GET \/orders\/:id<\/a><\/td><td>http<\/td><td class="num">5<\/td>/);
      assert.match(html, /<span class="badge t-error">error 5<\/span>/);
      assert.equal(html.match(/<article class="record/g)?.length, 5);
      assert.match(html, /orders-api/);

      assert.ok(html.includes('&lt;script&gt;window.__hudPwned = 1&lt;/script&gt;'));
      assert.equal(html.includes(SCRIPT_VALUE), false, 'the <script> value never appears unescaped');
      assert.ok(html.includes('&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;'));
      assert.equal(html.includes('<img'), false);
      // one script on the page: ours, carrying the nonce of the CSP
      assert.equal(html.match(/<script/g)?.length, 1);
    });

    it("never records the inspector's own requests, even when their status counts as a failure", async () => {
      const forensics = running.app.get(HudForensics);
      await forensics.flush();
      const before = forensics.stats().recorded;
      for (const path of ['/_hud', '/_hud/', '/_hud/records.json', '/_hud?token=nope']) await (await fetch(`${running.url}${path}`)).text();
      await (await fetch(`${running.url}/_hud`, { headers: auth })).text();
      await forensics.flush();
      assert.equal(forensics.stats().recorded, before);
      // while the app's own 401s... are the app's: a failing route still records
      assert.equal((await fetch(`${running.url}/orders/7`)).status, 500);
      await forensics.flush();
      assert.equal(forensics.stats().recorded, before + 1);
    });

    it('never records the inspector under the URL variants its router serves too', async () => {
      // Express routes case-insensitively; Fastify decodes %5F to "_" before it routes
      const variants = platform === 'express' ? ['/_HUD', '/_Hud/', '/_HUD/records.json'] : ['/%5Fhud', '/%5fhud/records.json'];
      const forensics = running.app.get(HudForensics);
      await forensics.flush();
      const before = forensics.stats().recorded;
      for (const path of variants) {
        const response = await fetch(`${running.url}${path}`);
        await response.text();
        assert.equal(response.status, 401, `${path} reaches the inspector (which asks for its token)`);
      }
      await forensics.flush();
      assert.equal(forensics.stats().recorded, before);
    });
  });
}

async function statusOf(platform: Platform, options: HudModuleOptions, paths: string[]): Promise<number[]> {
  const running = await startHttpApp(platform, { imports: [appModule(options)] });
  try {
    const statuses: number[] = [];
    for (const path of paths) {
      const response = await fetch(`${running.url}${path}`, { headers: auth });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    return statuses;
  } finally {
    await running.close();
  }
}

for (const platform of PLATFORMS) {
  describe(`inspector off on ${platform}`, () => {
    const paths = ['/_hud', `/_hud?token=${TOKEN}`, '/_hud/records.json', `/_hud/records.json?token=${TOKEN}`];

    it('does not exist without the inspector option (404)', async () => {
      assert.deepEqual(await statusOf(platform, { exporters: [] }, paths), [404, 404, 404, 404]);
    });

    it('does not exist when the module is disabled', async () => {
      assert.deepEqual(await statusOf(platform, { enabled: false, inspector: { token: TOKEN } }, paths), [404, 404, 404, 404]);
    });

    it('is served at a custom path', async () => {
      const statuses = await statusOf(platform, { exporters: [], inspector: { path: '/ops/hud/', token: TOKEN } }, [
        '/ops/hud',
        '/ops/hud/records.json',
        '/_hud',
      ]);
      assert.deepEqual(statuses, [200, 200, 404]);
    });
  });
}

describe('inspector options', () => {
  it('refuse to start without a token', async () => {
    await assert.rejects(
      startHttpApp('express', { imports: [appModule({ inspector: { path: '/_hud' } as unknown as { token: string } })] }),
      /inspector\.token must be a non-empty string/,
    );
  });
});

describe('inspector: each name’s latency and failure rate, a record’s breadcrumbs and failure reason', () => {
  @Controller('quotes')
  class QuotesController {
    @Get(':n')
    quote(@Param('n') n: string) {
      addBreadcrumb('price looked up', { sku: `sku-${n}` });
      if (Number(n) % 4 === 0) setFailure('stale price served');
      return { n };
    }
  }

  it('shows p50, p99 and the failure rate beside the record counts', async () => {
    @Module({
      imports: [HudModule.forRoot({ exporters: [], rateLimit: false, inspector: { token: TOKEN } })],
      controllers: [QuotesController],
    })
    class QuotesModule {}
    const running = await startHttpApp('express', { imports: [QuotesModule] });
    try {
      for (let n = 1; n <= 8; n++) assert.equal((await fetch(`${running.url}/quotes/${n}`)).status, 200);
      await running.app.get(HudForensics).flush();
      const html = await (await fetch(`${running.url}/_hud`, { headers: auth })).text();
      assert.match(html, /<th[^>]*>p50<\/th><th[^>]*>p99<\/th><th[^>]*>Failure rate<\/th>/);
      const row = /<tr><td><a class="mono" href="[^"]*">GET \/quotes\/:n<\/a><\/td>(.*?)<\/tr>/.exec(html)?.[1] ?? '';
      // 8 calls, 2 marked failed: the quantiles describe the 6 others
      assert.match(row, /<td class="num">2<\/td>/);
      // 6 successful calls: the name's own baseline (200 by default) does not apply yet, and the page says so
      assert.match(
        row,
        /<td class="num">\d+(\.\d)? ms<\/td><td class="num">\d+(\.\d)? ms <span class="learning" title="[^"]*slowBaseline\.minSamples[^"]*">no baseline yet \(6 of 200\)<\/span><\/td><td class="num" title="2 of 8 invocations failed in the last 15 min">25\.0 %<\/td>$/,
      );
      assert.match(html, /<span class="badge t-error">failure 2<\/span>/);
      assert.match(html, /Failure: stale price served/);
      assert.match(html, /<ol class="breadcrumbs"><li><span class="mono muted">\+[\d.]+ ms<\/span> <span class="badge t-other">info<\/span> price looked up <span class="mono muted">\{&quot;sku&quot;:&quot;sku-8&quot;\}<\/span><\/li><\/ol>/);
    } finally {
      await running.close();
    }
  });

  it('drops the "no baseline yet" note once a name has slowBaseline.minSamples successful calls', async () => {
    @Module({
      imports: [HudModule.forRoot({ exporters: [], rateLimit: false, inspector: { token: TOKEN }, slowBaseline: { minSamples: 6 } })],
      controllers: [QuotesController],
    })
    class QuotesModule {}
    const running = await startHttpApp('express', { imports: [QuotesModule] });
    try {
      const row = async () => {
        const html = await (await fetch(`${running.url}/_hud`, { headers: auth })).text();
        return /<tr><td><a class="mono" href="[^"]*">GET \/quotes\/:n<\/a><\/td>(.*?)<\/tr>/.exec(html)?.[1] ?? '';
      };
      for (let n = 1; n <= 6; n++) assert.equal((await fetch(`${running.url}/quotes/${n}`)).status, 200);
      assert.match(await row(), /no baseline yet \(5 of 6\)/); // 6 calls, one of them failed
      assert.equal((await fetch(`${running.url}/quotes/9`)).status, 200);
      assert.doesNotMatch(await row(), /no baseline yet/);
    } finally {
      await running.close();
    }
  });
});
