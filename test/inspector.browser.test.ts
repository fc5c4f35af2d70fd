import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Body, Controller, Get, Module, Param, Post, Query, ServiceUnavailableException } from '@nestjs/common';
import { HudContextService, HudForensics, HudModule, MemoryExporter, setContext } from 'nestjs-hud';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHttpApp, type RunningApp } from './support/http-app.js';
import { testService } from './support/test-services.js';

const TOKEN = 'on-call-token-1c9e';
const SCRIPT_VALUE = '<script>window.__hudPwned = true; alert("pwned")</script>';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** docs/inspector.md shows this file; the test writes it on every run. */
// The picture in docs/inspector.md is refreshed on request (UPDATE_SCREENSHOT=1 npm test), so that an
// ordinary run leaves the work tree as it found it; otherwise the shot goes to .build/.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'inspector.png')
  : resolve(dirname(fileURLToPath(import.meta.url)), '..', 'inspector.png');

class PaymentGatewayTimeout extends Error {
  override name = 'PaymentGatewayTimeout';
}

@Controller()
class ShopController {
  constructor(private readonly hud: HudContextService) {}

  @Post('orders')
  checkout(@Body() dto: { items: string[]; express: boolean }) {
    this.hud.set({ feature: 'checkout-v2', order_items: dto.items.length, express: dto.express, session_token: 'tok_live_abc' });
    throw new PaymentGatewayTimeout('payment gateway timeout after 3000 ms');
  }

  @Get('orders/:id')
  order(@Param('id') id: string) {
    setContext({ order_id: id, warehouse: 'fra-2' });
    throw new ServiceUnavailableException('inventory service unavailable');
  }

  @Get('reports/daily')
  async report() {
    setContext({ report: 'daily-revenue', rows: 48_210 });
    await new Promise((resolve) => setTimeout(resolve, 260));
    return { ok: true };
  }

  @Get('cart')
  cart(@Query('fail') fail?: string) {
    setContext({ cart_items: 2 });
    if (fail === '1') throw new Error('cart pricing failed: currency table missing for the pro price list');
    return { ok: true };
  }

  @Post('support/tickets')
  ticket(@Body() body: { subject: string }) {
    setContext({ subject: body.subject });
    throw new TypeError("Cannot read properties of undefined (reading 'assignee')");
  }
}

@Module({
  imports: [
    HudModule.forRoot({
      service: 'orders-api',
      slowThresholdMs: 200,
      fromHeaders: { client_id: 'x-client-id', request_id: 'x-request-id', user_tier: 'x-user-tier' },
      redact: [/token$/],
      exporters: [new MemoryExporter()],
      inspector: { path: '/_hud', token: TOKEN },
    }),
  ],
  controllers: [ShopController],
})
class ShopModule {}

@Controller('pay')
class PayController {
  @Get()
  pay(@Query('fail') fail?: string) {
    if (fail === '1') throw new Error('payment failed');
    return { ok: true };
  }
}

/** A 3-second window: a change shows within a second of traffic. */
@Module({
  imports: [HudModule.forRoot({ exporters: [], rateLimit: false, suspects: { windowMs: 3000 }, inspector: { path: '/_hud', token: TOKEN } })],
  controllers: [PayController],
})
class ChangingModule {}

/** Calls `GET /pay` (failing one in 50) for 2 windows, then failing one in 2 until a change is reported. */
async function makeChange(running: RunningApp): Promise<void> {
  const call = async (fail: boolean) => (await fetch(`${running.url}/pay?fail=${fail ? 1 : 0}`)).arrayBuffer();
  const started = performance.now();
  for (let i = 0; i < 5000 && performance.now() - started < 6000; i++) await call(i % 50 === 7);
  for (let i = 0; i < 5000 && running.app.get(HudForensics).changes().length === 0; i++) await call(i % 2 === 0);
}

/** 40 cart requests, 10 of them pro, and 8 of those fail: user_tier = pro is the suspect. */
async function makeSuspect(url: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const pro = i % 4 === 0;
    const response = await fetch(`${url}/cart?fail=${pro && i < 32 ? 1 : 0}`, {
      headers: { 'x-client-id': 'umbrella', 'x-user-tier': pro ? 'pro' : 'free', 'x-request-id': `req-${i}` },
    });
    await response.arrayBuffer();
  }
}

async function makeFailures(url: string): Promise<void> {
  let requestId = 1000;
  const call = async (method: string, path: string, client: string, tier: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-client-id': client,
        'x-user-tier': tier,
        'x-request-id': `req-${requestId++}`,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };
  assert.equal(await call('GET', '/reports/daily', 'globex', 'pro'), 200);
  assert.equal(await call('GET', '/orders/ord_7731', 'initech', 'free'), 503);
  assert.equal(await call('POST', '/support/tickets', 'acme', 'pro', { subject: SCRIPT_VALUE }), 500);
  assert.equal(await call('POST', '/orders', 'globex', 'free', { items: ['sku-1'], express: false }), 500);
  assert.equal(await call('GET', '/orders/ord_7730', 'acme', 'pro'), 503);
  assert.equal(await call('POST', '/orders', 'acme', 'pro', { items: ['sku-1', 'sku-2', 'sku-3'], express: true }), 500);
  assert.equal(await call('POST', '/orders', 'acme', 'pro', { items: ['sku-9', 'sku-4'], express: false }), 500);
}

/** The part of a DOM element these functions use (the tests compile without the DOM types). */
interface DomElement {
  textContent: string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
}

/** The grouped table as rows of cell texts. */
function groupRows(page: Page): Promise<string[][]> {
  return page.$$eval('#hud-groups tbody tr', (rows) =>
    (rows as unknown as DomElement[]).map((row) => Array.from(row.querySelectorAll('td'), (cell) => (cell.textContent ?? '').trim())),
  );
}

/** Each shown record's context table as an object. */
function shownContexts(page: Page): Promise<Array<Record<string, string>>> {
  return page.$$eval('article.record:not([hidden])', (cards) =>
    (cards as unknown as DomElement[]).map((card) =>
      Object.fromEntries(
        Array.from(card.querySelectorAll('table.context tr'), (row) => [
          row.querySelector('th')?.textContent ?? '',
          row.querySelector('td')?.textContent ?? '',
        ]),
      ),
    ),
  );
}

describe('inspector in headless Chromium', () => {
  let running: RunningApp;
  let browser: BrowserContext;
  let userDataDir: string;
  let page: Page;
  const dialogs: string[] = [];

  before(async () => {
    // Debian's chromium, found (or installed) by test/run.mjs; never a downloaded browser
    const chromiumPath = testService('HUD_TEST_CHROMIUM');
    assert.ok(statSync(chromiumPath, { throwIfNoEntry: false })?.isFile(), `HUD_TEST_CHROMIUM is ${chromiumPath}, which is not a file`);
    running = await startHttpApp('express', { imports: [ShopModule] });
    await makeSuspect(running.url);
    await makeFailures(running.url);
    await running.app.get(HudForensics).flush();
    userDataDir = mkdtempSync(join(tmpdir(), 'hud-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 900 },
    });
    page = await browser.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    await running?.close();
    if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('answers 401 without the token', async () => {
    const response = await page.goto(`${running.url}/_hud`);
    assert.equal(response?.status(), 401);
    assert.equal(await page.locator('article.record').count(), 0);
    const json = await page.goto(`${running.url}/_hud/records.json?token=not-it`);
    assert.equal(json?.status(), 401);
  });

  it('shows the invocations grouped by name, then each record with its context, error and duration', async () => {
    const response = await page.goto(`${running.url}/_hud?token=${TOKEN}`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'nestjs-hud inspector · orders-api');

    const rows = await groupRows(page);
    // name, kind, records, last seen, triggers, statuses; the most recently seen first
    assert.deepEqual(
      rows.map(([name, kind, count, , triggers, statuses]) => [name, kind, count, triggers, statuses]),
      [
        ['POST /orders', 'http', '3', 'error 3', '500'],
        ['GET /orders/:id', 'http', '2', 'error 2', '503'],
        ['POST /support/tickets', 'http', '1', 'error 1', '500'],
        ['GET /reports/daily', 'http', '1', 'duration 1', '200'],
        ['GET /cart', 'http', '8', 'error 8', '500'],
      ],
    );
    assert.ok(rows.every((row) => /ago$/.test(row[3])), 'last seen is shown');

    assert.equal(await page.locator('article.record').count(), 15);
    const newest = page.locator('article.record').first();
    assert.match((await newest.locator('header').textContent()) ?? '', /error\s*POST \/orders/);
    assert.deepEqual((await shownContexts(page))[0], {
      client_id: 'acme',
      request_id: 'req-1006',
      user_tier: 'pro',
      feature: 'checkout-v2',
      order_items: '2',
      express: 'false',
      session_token: '[REDACTED]',
    });
    assert.equal(await newest.locator('.error-title').textContent(), 'PaymentGatewayTimeout: payment gateway timeout after 3000 ms');
    assert.match((await newest.locator('pre.stack').textContent()) ?? '', /^PaymentGatewayTimeout: payment gateway timeout after 3000 ms\n\s+at /);
    assert.match((await newest.locator('header').textContent()) ?? '', /\d+(\.\d)? ms/);

    const slow = page.locator('article.record', { hasText: 'GET /reports/daily' });
    assert.match((await slow.locator('header').textContent()) ?? '', /duration/);
    assert.equal(await slow.locator('.error-title').count(), 0);
  });

  it('shows a <script> context value as text and never runs it', async () => {
    const ticket = page.locator('article.record', { hasText: 'POST /support/tickets' });
    const subject = ticket.locator('table.context tr', { hasText: 'subject' }).locator('td');
    assert.equal(await subject.textContent(), SCRIPT_VALUE);
    assert.equal(await page.evaluate(() => (globalThis as { __hudPwned?: boolean }).__hudPwned), undefined);
    assert.deepEqual(dialogs, []);
  });

  it('takes a screenshot of the page (the picture in docs/inspector.md, with UPDATE_SCREENSHOT=1)', async () => {
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    // the top of the page: counters, filter, the grouped table and the newest records
    const height = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document.documentElement.scrollHeight);
    await page.screenshot({ path: SCREENSHOT, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.min(height, 1500) } });
    assert.ok(statSync(SCREENSHOT).size > 10_000);
  });

  it('filters by a context key and value, server-side through the form', async () => {
    await page.fill('input[name="key"]', 'client_id');
    await page.fill('input[name="value"]', 'acme');
    await Promise.all([page.waitForURL(/[?&]value=acme/), page.click('form.filter button[type="submit"]')]);
    assert.match(page.url(), /[?&]token=on-call-token-1c9e/, 'the token travels with the filter');

    const contexts = await shownContexts(page);
    assert.equal(contexts.length, 4);
    assert.ok(contexts.every((context) => context.client_id === 'acme'));
    assert.deepEqual(
      (await groupRows(page)).map(([name, , count]) => [name, count]),
      [
        ['POST /orders', '2'],
        ['GET /orders/:id', '1'],
        ['POST /support/tickets', '1'],
      ],
    );
    assert.match((await page.locator('p.active').textContent()) ?? '', /client_id = acme: 4 of 15 records/);

    // a context value is a link to every record holding it
    await Promise.all([page.waitForURL(/value=initech/), page.goto(`${running.url}/_hud?token=${TOKEN}`).then(() => page.click('a:text-is("initech")'))]);
    assert.deepEqual((await shownContexts(page)).map((c) => c.order_id), ['ord_7731']);
  });

  it('narrows the page as one types, with the small inline script', async () => {
    await page.goto(`${running.url}/_hud?token=${TOKEN}`);
    const search = page.locator('#hud-search');
    assert.equal(await search.isVisible(), true, 'the script ran (its CSP nonce let it) and showed the search box');
    await search.fill('inventory');
    assert.equal(await page.locator('article.record:not([hidden])').count(), 2);
    assert.equal(await page.locator('#hud-shown').textContent(), '2');
    await search.fill('');
    assert.equal(await page.locator('article.record:not([hidden])').count(), 15);
  });

  it("shows each name's suspects, each a link to the records holding that value", async () => {
    await page.goto(`${running.url}/_hud?token=${TOKEN}`);
    const suspects = page.locator('#hud-suspects article');
    assert.equal(await suspects.count(), 1);
    assert.match((await suspects.locator('h3').textContent()) ?? '', /GET \/cart\s*8 failing of 40 calls in the last 15 min/);
    assert.match(
      (await suspects.locator('li').first().textContent()) ?? '',
      /^user_tier = pro: 8 of 8 failures \(100 %\), 25 % of calls, 4\.0× the average, relative risk ∞ \(p \d\.\de-\d+\)$/,
    );
    await Promise.all([page.waitForURL(/value=pro/), suspects.locator('a', { hasText: 'user_tier = pro' }).click()]);
    assert.match(page.url(), /[?&]key=user_tier&value=pro&name=GET\+%2Fcart&token=/);
    const contexts = await shownContexts(page);
    assert.equal(contexts.length, 8);
    assert.ok(contexts.every((context) => context.user_tier === 'pro' && context.client_id === 'umbrella'));
  });

  it('shows what changed above the suspects, with its chart drawn on the server', async () => {
    const changing = await startHttpApp('express', { imports: [ChangingModule] });
    try {
      await makeChange(changing);
      await page.goto(`${changing.url}/_hud?token=${TOKEN}`);
      const change = page.locator('#hud-changes article');
      assert.equal(await change.count(), 1);
      assert.match((await change.locator('h3').textContent()) ?? '', /^GET \/pay\s*since \d\d:\d\d:\d\d UTC$/);
      assert.match((await change.locator('li').first().textContent()) ?? '', /^failures [\d.]+ % → [\d.]+ % \(/);
      const chart = change.locator('svg.change-chart');
      const box = await chart.boundingBox();
      assert.ok(box !== null && box.width >= 300 && box.height >= 80, `the chart is drawn: ${JSON.stringify(box)}`);
      assert.equal(await chart.locator('rect.rate').count(), 15, 'one bar per bucket');
      const shaded = await chart.locator('rect.recent').boundingBox();
      assert.ok(shaded !== null && shaded.width > 0 && shaded.x + shaded.width <= box.x + box.width + 1, 'the recent span is shaded, at the right');
      const headings = await page.locator('h2').allTextContents();
      assert.ok(headings.findIndex((h) => h.startsWith('What changed')) < headings.findIndex((h) => h.startsWith('Suspects')));
    } finally {
      // the browser keeps its connection alive: without this, close() waits for it to time out
      changing.app.getHttpServer().closeAllConnections();
      await changing.close();
    }
  });

  it('serves suspects.json behind the same token', async () => {
    assert.equal((await fetch(`${running.url}/_hud/suspects.json`)).status, 401);
    const response = await fetch(`${running.url}/_hud/suspects.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    const { reports } = (await response.json()) as { reports: Array<{ name: string; trigger: string; failures: number; suspects: Array<{ key: string; value: unknown }> }> };
    const cart = reports.find((r) => r.name === 'GET /cart' && r.trigger === 'failure');
    assert.deepEqual(cart?.suspects.map((s) => [s.key, s.value]), [['user_tier', 'pro']]);
    assert.equal(cart?.failures, 8);
  });
});
