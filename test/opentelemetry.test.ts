import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Body, Controller, Headers, Injectable, Post } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  HUD_FORENSICS_EVENT,
  HudContextService,
  HudForensics,
  MemoryExporter,
  OpenTelemetryExporter,
  setContext,
  type ForensicsRecord,
} from 'nestjs-hud';
import { expectRecord, HudTestingModule } from 'nestjs-hud/testing';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

// The real SDK, as an app registers it: an in-memory exporter stands in for the collector.
const finished = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(finished)] });
provider.register();
const httpInstrumentation = new HttpInstrumentation();
httpInstrumentation.setTracerProvider(provider);
httpInstrumentation.enable();
// The instrumentation patches `http.Server.prototype.emit` when `node:http` is required
// (require-in-the-middle). This ESM process imported it before the line above ran, so require
// it once more: the prototype is shared, and Nest's servers get server spans like in a CJS app.
createRequire(import.meta.url)('node:http');

const tracer = trace.getTracer('nestjs-hud-test');

async function waitUntil<T>(find: () => T | undefined, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const spans = (): ReadableSpan[] => finished.getFinishedSpans();
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

/** The record's data as OpenTelemetry got it: an event on the failing span, or a linked span. */
function forensicsFor(record: ForensicsRecord): { on: 'event' | 'linked span'; attributes: Record<string, unknown>; span: ReadableSpan } | undefined {
  for (const span of spans()) {
    const event = span.events.find((e) => e.name === HUD_FORENSICS_EVENT && e.attributes?.['hud.record.id'] === record.id);
    if (event === undefined) continue;
    const linked = span.links.some((l) => l.context.spanId === record.trace?.spanId);
    return { on: linked ? 'linked span' : 'event', attributes: event.attributes ?? {}, span };
  }
  return undefined;
}

@Controller('orders')
class OrdersController {
  constructor(private readonly hud: HudContextService) {}

  @Post()
  create(@Body() dto: { items: string[] }, @Headers('x-client-id') clientId?: string) {
    setContext({ client_id: clientId, api_token: 'secret-token' });
    this.hud.set({ order_items: dto.items.length, express: true, flags: ['new-checkout', 'beta'] });
    throw new Error('payment gateway timeout');
  }
}

for (const platform of PLATFORMS) {
  describe(`OpenTelemetry with the HTTP instrumentation on ${platform}`, () => {
    let running: RunningApp;
    let memory: MemoryExporter;
    before(async () => {
      running = await startHttpApp(platform, {
        imports: [HudTestingModule.forRoot({ redact: ['api_token'], exporters: [new OpenTelemetryExporter()] })],
        controllers: [OrdersController],
      });
      memory = running.app.get(MemoryExporter);
    });
    after(() => running.close());
    beforeEach(() => finished.reset());

    it('mirrors set values onto the server span, records its ids and hands the record to OpenTelemetry', async () => {
      const response = await fetch(`${running.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-client-id': 'acme' },
        body: JSON.stringify({ items: ['a', 'b', 'c'] }),
      });
      assert.equal(response.status, 500);
      assert.deepEqual(await response.json(), { statusCode: 500, message: 'Internal server error' });

      const record = await expectRecord(memory, { invocation: { name: 'POST /orders' }, trigger: 'error' });
      const server = await waitUntil(
        () => spans().find((s) => s.kind === SpanKind.SERVER),
        'the server span',
      );
      assert.match(record.trace?.traceId ?? '', /^[0-9a-f]{32}$/);
      assert.deepEqual(record.trace, { traceId: server.spanContext().traceId, spanId: idOf(server) });

      // same validated values, typed, and redacted like the record
      assert.equal(server.attributes['hud.context.client_id'], 'acme');
      assert.equal(server.attributes['hud.context.order_items'], 3);
      assert.equal(server.attributes['hud.context.express'], true);
      assert.deepEqual(server.attributes['hud.context.flags'], ['new-checkout', 'beta']);
      assert.equal(server.attributes['hud.context.api_token'], '[REDACTED]');

      // The server span ends when the response closes, and records are exported just after
      // the response: whether the span was still recording then depends on the event loop,
      // so both outcomes of the contract are accepted here (each is tested on its own below).
      await running.app.get(HudForensics).flush();
      const exported = await waitUntil(() => forensicsFor(record), 'the forensics event');
      assert.equal(exported.attributes['hud.trigger'], 'error');
      assert.equal(exported.attributes['hud.invocation.name'], 'POST /orders');
      assert.equal(exported.attributes['hud.context.client_id'], 'acme');
      assert.equal(exported.attributes['hud.error.message'], 'payment gateway timeout');
      assert.deepEqual(JSON.parse(String(exported.attributes['hud.record'])).context, record.context);
      if (exported.on === 'linked span') {
        assert.equal(exported.span.parentSpanContext?.spanId, idOf(server));
        assert.equal(exported.span.status.code, SpanStatusCode.ERROR);
      } else {
        assert.equal(idOf(exported.span), idOf(server));
      }
    });
  });
}

@Injectable()
class NightlyJob {
  constructor(private readonly hud: HudContextService) {}

  /** A job the app traces itself; it fails inside the span. */
  failInside(name: string): Promise<void> {
    return this.hud.run(name, async () => {
      setContext({ client_id: 'globex', batch: 7 });
      throw new Error('ledger mismatch');
    });
  }
}

describe('OpenTelemetryExporter with spans the app manages', () => {
  let app: TestingModule;
  let memory: MemoryExporter;
  let forensics: HudForensics;
  let hud: HudContextService;
  let job: NightlyJob;
  before(async () => {
    app = await Test.createTestingModule({
      imports: [
        HudTestingModule.forRoot({
          exporters: [new OpenTelemetryExporter()],
          beforeRecord: (record) => (record.invocation.name === 'cloned' ? structuredClone(record) : record),
        }),
      ],
      providers: [NightlyJob],
    }).compile();
    app.useLogger(false);
    await app.init();
    hud = app.get(HudContextService);
    memory = app.get(MemoryExporter);
    forensics = app.get(HudForensics);
    job = app.get(NightlyJob);
  });
  after(() => app.close());
  beforeEach(() => {
    finished.reset();
    memory.clear();
  });

  it('adds the record as a span event while the failing span is still recording', async () => {
    await tracer.startActiveSpan('nightly', async (span) => {
      await assert.rejects(job.failInside('nightly.reconcile'), /ledger mismatch/);
      await forensics.flush(); // exported before the app ends its span
      span.end();
    });
    const record = await expectRecord(memory, { invocation: { name: 'nightly.reconcile' } });
    const nightly = spans().find((s) => s.name === 'nightly');
    assert.ok(nightly);
    assert.deepEqual(record.trace, { traceId: nightly.spanContext().traceId, spanId: idOf(nightly) });
    assert.equal(nightly.attributes['hud.context.client_id'], 'globex');
    const event = nightly.events.find((e) => e.name === HUD_FORENSICS_EVENT);
    assert.ok(event, 'a hud.forensics event on the failing span');
    assert.equal(event.attributes?.['hud.record.id'], record.id);
    assert.equal(event.attributes?.['hud.context.batch'], 7);
    assert.equal(spans().filter((s) => s.name.startsWith(HUD_FORENSICS_EVENT)).length, 0, 'no extra span');
  });

  it('adds the record as a new span linked to the failing one once that span has ended', async () => {
    await tracer.startActiveSpan('nightly', async (span) => {
      await assert.rejects(job.failInside('nightly.settle'), /ledger mismatch/);
      span.end();
    });
    await forensics.flush();
    const record = await expectRecord(memory, { invocation: { name: 'nightly.settle' } });
    const nightly = spans().find((s) => s.name === 'nightly');
    assert.ok(nightly);
    assert.equal(nightly.events.length, 0);
    const linked = spans().find((s) => s.name === `${HUD_FORENSICS_EVENT} nightly.settle`);
    assert.ok(linked, 'a hud.forensics span');
    assert.equal(linked.links.length, 1);
    assert.equal(linked.links[0].context.spanId, idOf(nightly));
    assert.equal(linked.spanContext().traceId, nightly.spanContext().traceId, 'in the same trace');
    assert.equal(linked.parentSpanContext?.spanId, idOf(nightly));
    assert.equal(linked.status.code, SpanStatusCode.ERROR);
    assert.equal(linked.attributes['hud.record.id'], record.id);
    assert.equal(linked.attributes['hud.context.client_id'], 'globex');
  });

  it('still links the span when beforeRecord returned a deep copy of the record', async () => {
    await tracer.startActiveSpan('nightly', async (span) => {
      await assert.rejects(job.failInside('cloned'), /ledger mismatch/);
      span.end();
    });
    await forensics.flush();
    const nightly = spans().find((s) => s.name === 'nightly');
    const linked = spans().find((s) => s.name === `${HUD_FORENSICS_EVENT} cloned`);
    assert.ok(nightly && linked);
    assert.equal(linked.links[0].context.spanId, idOf(nightly));
    assert.equal(linked.spanContext().traceId, nightly.spanContext().traceId);
  });

  it('takes the span of the first set when none was active at the start, and exports span-less records as their own span', async () => {
    assert.throws(() =>
      hud.run('late-span', () =>
        tracer.startActiveSpan('inner', (span) => {
          setContext({ step: 'inner' });
          span.end();
          throw new Error('late');
        }),
      ),
    );
    await assert.rejects(hud.run('no-span', () => Promise.reject(new Error('alone'))));
    await forensics.flush();
    const late = await expectRecord(memory, { invocation: { name: 'late-span' } });
    const inner = spans().find((s) => s.name === 'inner');
    assert.ok(inner);
    assert.equal(late.trace?.spanId, idOf(inner));
    assert.equal(inner.attributes['hud.context.step'], 'inner');

    const alone = await expectRecord(memory, { invocation: { name: 'no-span' } });
    assert.equal(alone.trace, undefined);
    const own = spans().find((s) => s.name === `${HUD_FORENSICS_EVENT} no-span`);
    assert.ok(own);
    assert.equal(own.parentSpanContext, undefined);
    assert.equal(own.links.length, 0);
    assert.equal(own.attributes['hud.record.id'], alone.id);
  });
});
