import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Controller, Get, Headers, Logger } from '@nestjs/common';
import {
  getContext,
  HudContextService,
  HudForensics,
  HudModule,
  hudLogFields,
  setContext,
  type ForensicsRecord,
  type HudExporter,
} from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';
import { startPinoApp } from './support/pino-app.js';

// An OpenTelemetry SDK as an app registers it (AsyncLocalStorage context manager).
const provider = new NodeTracerProvider();
provider.register();
const tracer = trace.getTracer('exports-outside-invocations');

const CLIENTS = 200;
const clientIds = Array.from({ length: CLIENTS }, (_, i) => `client-${i}`);

@Controller('orders')
class OrdersController {
  private readonly logger = new Logger(OrdersController.name);

  @Get('charge')
  async charge(@Headers('x-client-id') clientId: string) {
    setContext({ user: clientId });
    await new Promise((resolve) => setTimeout(resolve, 5)); // let the concurrent requests interleave
    this.logger.log('charging');
    throw new Error('payment gateway timeout');
  }
}

/** 200 concurrent failing requests, each from its own client. */
async function storm(url: string): Promise<void> {
  const statuses = await Promise.all(clientIds.map((id) => fetch(`${url}/orders/charge`, { headers: { 'x-client-id': id } }).then((r) => r.status)));
  assert.deepEqual(new Set(statuses), new Set([500]));
}

/** Every `client-N` a text mentions. */
const clientsIn = (text: string) => new Set(text.match(/client-\d+/g) ?? []);

describe('nestjs-pino: the log line of each record carries no other request', () => {
  const lines: Array<Record<string, unknown>> = [];
  let running: RunningApp;
  before(async () => {
    // the default exporter, LoggerExporter, writes each record through the app's logger
    running = await startPinoApp(HudModule.forRoot({ fromHeaders: { client_id: 'x-client-id' }, rateLimit: false }), [OrdersController], lines);
  });
  after(() => running.close());

  it(`over ${CLIENTS} concurrent failing requests with distinct clients, no record line names another client`, async () => {
    await storm(running.url);
    await running.app.get(HudForensics).flush();

    const recordLines = lines.filter((line) => line.context === 'HudForensics');
    assert.equal(recordLines.length, CLIENTS, 'one line per record');
    const seen = new Set<string>();
    for (const line of recordLines) {
      const record = JSON.parse(String(line.msg)) as ForensicsRecord;
      const own = String(record.context.client_id);
      assert.equal(record.context.user, own, 'the record itself is right');
      seen.add(own);
      // everything but the record: the fields the logger, pino-http and the mixin added
      const { msg: _record, ...fields } = line;
      const others = [...clientsIn(JSON.stringify(fields))].filter((id) => id !== own);
      assert.deepEqual(others, [], `the line of ${own}'s record names ${others.join(', ')}: ${JSON.stringify(fields)}`);
      // written outside every request: no request's log fields, no request logger's bindings
      assert.equal('client_id' in fields || 'user' in fields || 'req' in fields, false, JSON.stringify(fields));
    }
    assert.equal(seen.size, CLIENTS);

    // lines written inside a request still carry that request's context
    const charging = lines.filter((line) => line.msg === 'charging');
    assert.equal(charging.length, CLIENTS);
    for (const line of charging) assert.equal(line.user, line.client_id);
  });
});

/** What an exporter sees of the async context it runs in. */
interface Observation {
  context: Record<string, unknown>;
  active: boolean;
  fields: Record<string, unknown>;
  span: boolean;
  invocation: unknown;
}

class ObservingExporter implements HudExporter {
  hud: HudContextService | undefined;
  readonly observations: Observation[] = [];
  records = 0;

  export(records: readonly ForensicsRecord[]): void {
    this.records += records.length;
    this.observations.push(this.observe());
  }

  async forceFlush(): Promise<void> {
    await Promise.resolve();
    this.observations.push(this.observe());
  }

  private observe(): Observation {
    return {
      context: { ...getContext() },
      active: this.hud?.isActive() ?? true,
      fields: hudLogFields(),
      span: trace.getActiveSpan() !== undefined,
      invocation: this.hud?.invocation(),
    };
  }
}

for (const platform of PLATFORMS) {
  describe(`an exporter's own context on ${platform}`, () => {
    const exporter = new ObservingExporter();
    let running: RunningApp;
    before(async () => {
      running = await startHttpApp(
        platform,
        { imports: [HudModule.forRoot({ fromHeaders: { client_id: 'x-client-id' }, rateLimit: false, exporters: [exporter] })], controllers: [OrdersController] },
        (app) => {
          // each request runs under a span of its own, as with the HTTP instrumentation
          app.use((_req: unknown, res: { on(event: string, fn: () => void): void }, next: () => void) => {
            const span = tracer.startSpan('request');
            res.on('finish', () => span.end());
            context.with(trace.setSpan(context.active(), span), next);
          });
        },
      );
      exporter.hud = running.app.get(HudContextService);
    });
    after(() => running.close());

    it(`inside export(), over ${CLIENTS} concurrent failing requests: no context, no invocation, no log fields, no span`, async () => {
      await storm(running.url);
      // flush() called from inside a request span: the exporter still runs outside it
      await tracer.startActiveSpan('flushing', async (span) => {
        await running.app.get(HudForensics).flush();
        span.end();
      });
      assert.equal(exporter.records, CLIENTS);
      assert.ok(exporter.observations.length >= 2);
      for (const seen of exporter.observations) {
        assert.deepEqual(seen, { context: {}, active: false, fields: {}, span: false, invocation: undefined });
      }
    });
  });
}
