import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConsoleLogger, Controller, Get, Headers, Logger, type LogLevel } from '@nestjs/common';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import { getContext, HudForensics, hudLogFields, setContext } from 'nestjs-hud';
import { expectRecord, HudTestingModule, MemoryExporter, runInInvocation } from 'nestjs-hud/testing';
import { startHttpApp, type RunningApp } from './support/http-app.js';
import { startPinoApp } from './support/pino-app.js';

@Controller('orders')
class OrdersController {
  private readonly logger = new Logger(OrdersController.name);

  @Get('charge')
  async charge(@Headers('x-items') items: string) {
    setContext({ order_items: Number(items), api_token: 'secret-token' });
    await new Promise((resolve) => setTimeout(resolve, 5)); // let concurrent requests interleave
    this.logger.log('charging');
    throw new Error('payment gateway timeout');
  }
}

/** Leaves a timer behind that logs once the request is over. */
@Controller('later')
class LeftBehindController {
  private readonly logger = new Logger(LeftBehindController.name);
  static readonly seen: Array<{ fields: Record<string, unknown>; context: Record<string, unknown> }> = [];

  @Get()
  schedule() {
    setContext({ order_items: 9 });
    setTimeout(() => {
      LeftBehindController.seen.push({ fields: hudLogFields(), context: { ...getContext() } });
      this.logger.log('left behind');
    }, 30);
    return { scheduled: true };
  }
}

function hudModule() {
  return HudTestingModule.forRoot({ fromHeaders: { client_id: 'x-client-id' }, redact: ['api_token'] });
}

describe('nestjs-pino: log lines carry the invocation context', () => {
  const lines: Array<Record<string, unknown>> = [];
  let running: RunningApp;
  before(async () => {
    // the documented setup: one mixin, every pino line of an invocation gets its context
    running = await startPinoApp(hudModule(), [OrdersController, LeftBehindController], lines);
  });
  after(() => running.close());

  const request = (clientId: string, items: number) =>
    fetch(`${running.url}/orders/charge`, { headers: { 'x-client-id': clientId, 'x-items': String(items) } });

  it("adds the context to the handler's lines and to pino-http's request line, per request", async () => {
    lines.length = 0;
    const responses = await Promise.all([request('acme', 3), request('globex', 5)]);
    assert.deepEqual(
      responses.map((r) => r.status),
      [500, 500],
    );
    await running.app.get(HudForensics).flush();

    for (const [client, items] of [
      ['acme', 3],
      ['globex', 5],
    ] as const) {
      const charging = lines.filter((l) => l.msg === 'charging' && l.client_id === client);
      assert.equal(charging.length, 1, `one "charging" line for ${client}: ${JSON.stringify(lines)}`);
      assert.equal(charging[0].order_items, items);
      assert.equal(charging[0].context, 'OrdersController');
      assert.equal(charging[0].api_token, '[REDACTED]', 'redact applies to log fields too');

      // written by pino-http when the response finished, after the invocation completed
      const completed = lines.filter((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 500 && l.client_id === client);
      assert.equal(completed.length, 1, `one request line for ${client}`);
      assert.equal(completed[0].order_items, items);

      // the record and the log lines tell the same story
      await expectRecord(running.app.get(MemoryExporter), {
        context: { client_id: client, order_items: items, api_token: '[REDACTED]' },
      });
    }
  });

  it('adds nothing to the lines of a timer the handler left behind, once the invocation is over', async () => {
    lines.length = 0;
    const response = await fetch(`${running.url}/later`, { headers: { 'x-client-id': 'initech' } });
    assert.deepEqual(await response.json(), { scheduled: true });
    const deadline = Date.now() + 5000;
    while (LeftBehindController.seen.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(LeftBehindController.seen, [{ fields: {}, context: {} }]);
    const leftBehind = lines.find((l) => l.msg === 'left behind');
    assert.ok(leftBehind);
    assert.equal('client_id' in leftBehind || 'order_items' in leftBehind, false, JSON.stringify(leftBehind));
    // while the response finished, the request line still had the context
    const completed = lines.find((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 200);
    assert.equal(completed?.client_id, 'initech');
    assert.equal(completed?.order_items, 9);
  });

  it('adds nothing to lines written outside any invocation', () => {
    lines.length = 0;
    running.app.get(PinoNestLogger).log('boot', 'Bootstrap');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].msg, 'boot');
    assert.equal('client_id' in lines[0], false);
    assert.deepEqual(hudLogFields(), {});
  });
});

/** docs/opentelemetry-logging.md's Nest `ConsoleLogger` path: JSON lines with the invocation's context. */
class HudConsoleLogger extends ConsoleLogger {
  protected override getJsonLogObject(message: unknown, options: { context: string; logLevel: LogLevel }) {
    // the logger's own fields win over a context key of the same name
    return { ...hudLogFields(), ...super.getJsonLogObject(message, options) };
  }
}

describe("Nest's ConsoleLogger: log lines carry the invocation context", () => {
  let running: RunningApp;
  before(async () => {
    running = await startHttpApp('fastify', { imports: [hudModule()], controllers: [OrdersController] }, (app) =>
      // forceConsole sends lines through console.log, which this test captures
      app.useLogger(new HudConsoleLogger({ json: true, forceConsole: true, logLevels: ['log'] })),
    );
  });
  after(() => running.close());

  it('adds the context to JSON lines written inside the invocation', async () => {
    const printed: string[] = [];
    const consoleLog = console.log;
    console.log = (line: unknown) => void printed.push(String(line));
    try {
      const response = await fetch(`${running.url}/orders/charge`, { headers: { 'x-client-id': 'initech', 'x-items': '2' } });
      assert.equal(response.status, 500);
    } finally {
      console.log = consoleLog;
    }
    const charging = printed.map((line) => JSON.parse(line)).find((line) => line.message === 'charging');
    assert.ok(charging, `a "charging" line among ${printed.join('\n')}`);
    assert.equal(charging.client_id, 'initech');
    assert.equal(charging.order_items, 2);
    assert.equal(charging.api_token, '[REDACTED]');
    assert.equal(charging.context, 'OrdersController');
    assert.equal(charging.level, 'log');
  });

  it('works in unit tests through runInInvocation', () => {
    const fields = runInInvocation(
      () => {
        setContext({ client_id: 'umbrella', tier: 'pro' });
        return hudLogFields();
      },
      { kind: 'job', name: 'logging.unit' },
    );
    assert.deepEqual(fields, { client_id: 'umbrella', tier: 'pro' });
  });
});
