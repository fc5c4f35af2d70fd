// The inspector's Fleet section when Prometheus cannot give the figures: unreachable, silent,
// or not Prometheus at all. The section says why in one line, within `timeoutMs`; the rest of the
// page, and the other answers, stay what they are. Plus the option's validation and the token.
// (Against a real Prometheus with real figures: fleet-prometheus.test.ts.)
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module } from '@nestjs/common';
import { HudModule, MemoryExporter, setContext, type HudFleetReport, type HudModuleOptions } from 'nestjs-hud';
import { resolveHudOptions } from '../lib/hud-options.resolver.js';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';
import { testService } from './support/test-services.js';

const TOKEN = 'fleet-inspector-token';
const auth = { authorization: `Bearer ${TOKEN}` };

@Controller()
class OrdersController {
  @Get('orders')
  fail() {
    setContext({ user_tier: 'pro' });
    throw new Error('order failed');
  }
}

function appModule(options: HudModuleOptions) {
  @Module({ imports: [HudModule.forRoot(options)], controllers: [OrdersController] })
  class AppModule {}
  return AppModule;
}

/** A TCP server that accepts connections and never answers: a Prometheus that hangs. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: one we listened on and closed. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function fleetJson(url: string): Promise<HudFleetReport> {
  const response = await fetch(`${url}/_hud/fleet.json`, { headers: auth });
  assert.equal(response.status, 200);
  return (await response.json()) as HudFleetReport;
}

describe('inspector.fleet: validated like the other options', () => {
  it('fills timeoutMs, and names a bad URL, a bad time-out and a misspelt field', () => {
    const options = resolveHudOptions({ inspector: { token: 't', fleet: { prometheusUrl: 'http://prometheus:9090' } } });
    assert.equal(options.inspector?.fleet?.timeoutMs, 3000);
    const problems = (fleet: unknown) => {
      try {
        resolveHudOptions({ inspector: { token: 't', fleet } as never });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    assert.match(problems({ prometheusUrl: 'prometheus:9090' }), /inspector\.fleet\.prometheusUrl must be the http\(s\) URL of a Prometheus server/);
    assert.match(problems({ prometheusUrl: 'ftp://prometheus' }), /inspector\.fleet\.prometheusUrl must be/);
    assert.match(problems({ prometheusUrl: 'http://p:9090', timeoutMs: 0 }), /inspector\.fleet\.timeoutMs must be an integer >= 1/);
    assert.match(problems({ prometheusURL: 'http://p:9090' }), /unknown option "inspector\.fleet\.prometheusURL" \(known options of inspector\.fleet: timeoutMs, prometheusUrl\)/);
    assert.match(problems('http://p:9090'), /inspector\.fleet must be \{ prometheusUrl, timeoutMs \}/);
  });
});

for (const platform of PLATFORMS) {
  describe(`inspector.fleet when Prometheus cannot answer (${platform})`, () => {
    const apps: RunningApp[] = [];
    let silent: Awaited<ReturnType<typeof silentServer>>;
    let unreachable: RunningApp;
    let hanging: RunningApp;
    let notPrometheus: RunningApp;
    let withoutFleet: RunningApp;

    before(async () => {
      silent = await silentServer();
      const start = async (fleet?: { prometheusUrl: string; timeoutMs?: number } | null) => {
        const inspector = { token: TOKEN, ...(fleet !== undefined ? { fleet: fleet as never } : {}) };
        const running = await startHttpApp(platform, { imports: [appModule({ exporters: [new MemoryExporter()], inspector })] });
        apps.push(running);
        await (await fetch(`${running.url}/orders`)).arrayBuffer();
        return running;
      };
      unreachable = await start({ prometheusUrl: await closedPort() });
      hanging = await start({ prometheusUrl: silent.url, timeoutMs: 300 });
      // a real Prometheus, under a path that is not its API
      notPrometheus = await start({ prometheusUrl: `${testService('HUD_TEST_PROMETHEUS_URL')}/not-the-api` });
      // `fleet: null` (a configuration that leaves it out) is no fleet, like no `fleet` at all
      withoutFleet = await start(platform === 'express' ? null : undefined);
    });

    after(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await silent.close();
    });

    it('unreachable: fleet.json and the page say so in one line; the rest of the page is unchanged', async () => {
      const report = await fleetJson(unreachable.url);
      assert.match(report.error ?? '', /^Prometheus at http:\/\/127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)$/);
      assert.deepEqual([report.names, report.suspects], [[], []]);
      const page = await (await fetch(`${unreachable.url}/_hud`, { headers: auth })).text();
      assert.match(page, /<p class="fleet-error" role="status">Prometheus at http:\/\/127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)<\/p>/);
      const plain = await (await fetch(`${withoutFleet.url}/_hud`, { headers: auth })).text();
      const headings = (html: string) => [...html.matchAll(/<h2[^>]*>([^<]*)/g)].map((m) => m[1].trim());
      const sections = headings(plain);
      const afterSuspects = sections.indexOf('Suspects') + 1;
      assert.ok(afterSuspects > 0, `a Suspects section: ${sections.join(', ')}`);
      assert.deepEqual(headings(page), [...sections.slice(0, afterSuspects), 'Fleet', ...sections.slice(afterSuspects)], 'the same sections, and the Fleet one after the suspects');
      assert.equal((page.match(/<article class="record /g) ?? []).length, 1, 'the record is there');
    });

    it('silent: the answer comes within timeoutMs and says Prometheus did not answer', async () => {
      const report = await fleetJson(hanging.url);
      assert.equal(report.error, `Prometheus at ${silent.url} did not answer within 300 ms`);
      const page = await (await fetch(`${hanging.url}/_hud`, { headers: auth })).text();
      assert.ok(page.includes(`did not answer within 300 ms</p>`));
      assert.match(page, /<h2>Records /, 'the records are still there');
    });

    it('not Prometheus\'s API: says what answered', async () => {
      const report = await fleetJson(notPrometheus.url);
      assert.match(report.error ?? '', /^Prometheus at http:\/\/127\.0\.0\.1:\d+\/not-the-api answered 404 with something other than its API's JSON/);
    });

    it('fleet.json needs the token, and exists only with inspector.fleet', async () => {
      assert.equal((await fetch(`${unreachable.url}/_hud/fleet.json`)).status, 401);
      assert.equal((await fetch(`${withoutFleet.url}/_hud/fleet.json`, { headers: auth })).status, 404);
      const plain = await (await fetch(`${withoutFleet.url}/_hud`, { headers: auth })).text();
      assert.doesNotMatch(plain, /hud-fleet/);
    });
  });
}
