import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { HudContextValidationError, OpenTelemetryExporter, setContext } from 'nestjs-hud';
import { startHudContextApp, type HudContextApp } from './support/hud-context-app.js';

// The real SDK, as an app registers it; an in-memory exporter stands in for the collector.
const finished = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(finished)] });
provider.register();
const tracer = trace.getTracer('nestjs-hud-test');

const SECRET = 'tok_live_7f3a9c21';

class SessionContext {
  @IsOptional()
  @Matches(/^sk_/, { message: 'api_token must start with sk_, got $value' })
  api_token?: string;

  @IsOptional()
  @IsIn(['free', 'pro'], { message: 'user_tier $value is not a tier' })
  user_tier?: string;
}

/** Everything OpenTelemetry received, as one string: span attributes and event attributes. */
function everythingExported(): string {
  return JSON.stringify(finished.getFinishedSpans().map((span) => ({ attributes: span.attributes, events: span.events.map((e) => e.attributes) })));
}

describe('a contextSchema message quoting $value of a redacted key', () => {
  let app: HudContextApp;
  before(async () => {
    app = await startHudContextApp({ contextSchema: SessionContext, redact: ['api_token'], exporters: [new OpenTelemetryExporter()] });
  });
  after(async () => {
    await app.close();
    await provider.shutdown();
  });

  it('leaves the value out of dropped, the OpenTelemetry attributes and the warning log; other keys keep their message', async () => {
    await tracer.startActiveSpan('session', async (span) => {
      await app.fail('session.check', () => {
        setContext({ api_token: SECRET, user_tier: 'gold', client_id: 'acme' });
        throw new Error('session rejected');
      });
      await app.forensics.flush();
      span.end();
    });
    const record = await app.exporter.waitFor((r) => r.invocation.name === 'session.check');
    assert.deepEqual(record.context, { client_id: 'acme' });
    assert.deepEqual(record.dropped?.map((p) => p.key), ['api_token', 'user_tier']);
    assert.match(record.dropped![0].reason, /^contextSchema: failed matches \(message left out: the key is redacted\)$/);
    assert.match(record.dropped![1].reason, /user_tier gold is not a tier/, 'a key not redacted keeps its message');

    assert.equal(JSON.stringify(record).includes(SECRET), false, 'not in the record');
    const exported = everythingExported();
    assert.ok(exported.includes('hud.dropped'), 'OpenTelemetry received the record');
    assert.equal(exported.includes(SECRET), false, 'not in any span or event attribute');
    const logged = app.logger.lines.map((line) => line.message);
    assert.ok(logged.some((line) => line.includes('"api_token"')), 'the key is still named in a warning');
    assert.equal(logged.some((line) => line.includes(SECRET)), false, 'not in the log');
  });

  it('leaves it out of the strict-mode error too', async () => {
    const strict = await startHudContextApp({ contextSchema: SessionContext, redact: ['api_token'], strict: true });
    try {
      let caught: unknown;
      await strict.fail('session.strict', () => {
        try {
          setContext({ api_token: SECRET });
        } catch (error) {
          caught = error;
        }
      });
      assert.ok(caught instanceof HudContextValidationError);
      assert.deepEqual(caught.problems.map((p) => p.key), ['api_token']);
      assert.equal(caught.message.includes(SECRET), false, caught.message);
    } finally {
      await strict.close();
    }
  });
});
