// fromUser reads the listed paths of the signed-in user and nothing else: the user's email
// and password never reach a record, a log line, a breadcrumb, the suspects or a span; a
// getter on a path never runs, and nothing inherited is read.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { Controller, Get, Injectable, Logger, Module, Param, Query, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { addBreadcrumb, HudForensics, HudModule, MemoryExporter, OpenTelemetryExporter, setContext } from 'nestjs-hud';
import { CapturedLogger } from './support/captured-logger.js';
import { JwtAuthGuard, JwtStrategy, SECRET_EMAIL, SECRET_PASSWORD, signToken } from './support/jwt-auth.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

const spans = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
provider.register();
const httpInstrumentation = new HttpInstrumentation();
httpInstrumentation.setTracerProvider(provider);
httpInstrumentation.enable();
createRequire(import.meta.url)('node:http');

class PaymentFailed extends Error {
  override name = 'PaymentFailed';
}

/** Counts every read of a getter the tests put on a user: none may run. */
let getterReads = 0;

/** A user built by hand: a getter on a listed path, a listed property only on the prototype. */
@Injectable()
class CraftedUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const tenant = {};
    Object.defineProperty(tenant, 'id', {
      enumerable: true,
      get: () => {
        getterReads++;
        return 'from-a-getter';
      },
    });
    const user = Object.create({ plan: 'inherited-plan' }) as Record<string, unknown>;
    user.tenant = tenant;
    user.email = SECRET_EMAIL;
    context.switchToHttp().getRequest<{ user?: unknown }>().user = user;
    return true;
  }
}

@Controller('payments')
class PaymentsController {
  private readonly logger = new Logger('Payments');

  @Get(':id')
  @UseGuards(JwtAuthGuard)
  pay(@Param('id') id: string, @Query('fail') fail?: string) {
    setContext({ payment: id });
    this.logger.warn(`card declined for payment ${id}`);
    addBreadcrumb('retrying with the backup gateway', { attempt: 2 });
    if (fail === '1') throw new PaymentFailed(`payment ${id} failed`);
    return 'paid';
  }

  @Get(':id/crafted')
  @UseGuards(CraftedUserGuard)
  crafted(@Param('id') id: string) {
    throw new PaymentFailed(`crafted ${id} failed`);
  }
}

describe('fromUser reads nothing but the listed paths', () => {
  const exporter = new MemoryExporter();
  const logger = new CapturedLogger();
  let running: RunningApp;

  before(async () => {
    @Module({
      imports: [
        HudModule.forRoot({
          exporters: [exporter, new OpenTelemetryExporter()],
          rateLimit: false,
          slowThresholdMs: 10_000,
          // `team` points at an object: reported by its key, never looked into
          fromUser: { client_id: 'tenant.id', user_tier: 'plan', team: 'tenant' },
        }),
        PassportModule,
      ],
      controllers: [PaymentsController],
      providers: [JwtStrategy, CraftedUserGuard],
    })
    class AppModule {}
    running = await startHttpApp('express', { imports: [AppModule] }, undefined, { logger });
  });
  after(() => running.close());

  it('the user’s email and password appear in no record, log line, breadcrumb, suspect or span', async () => {
    // one tenant's payments fail: enough for the suspects to name it
    for (let i = 0; i < 24; i++) {
      const acme = i % 2 === 0;
      const token = signToken({ sub: `u-${i}`, tenant: acme ? 'acme' : 'globex', plan: 'pro' });
      const response = await fetch(`${running.url}/payments/p-${i}?fail=${acme ? 1 : 0}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, acme ? 500 : 200);
      await response.arrayBuffer();
    }
    await exporter.waitFor(() => exporter.records.length === 12, 10_000);
    await running.app.get(HudForensics).flush();
    await provider.forceFlush();

    const record = exporter.records[0]!;
    assert.equal(record.context.client_id, 'acme', 'the listed paths were read');
    assert.equal(record.context.user_tier, 'pro');
    assert.equal(record.context.team, undefined, 'an object at a path is not context');
    assert.deepEqual(
      record.dropped?.find((d) => d.key === 'team'),
      { key: 'team', reason: 'fromUser: the value at its path is an object, not a string, number, boolean or array' },
    );
    assert.ok(record.breadcrumbs?.some((b) => b.message.includes('card declined')), 'log lines became breadcrumbs');
    assert.ok(spans.getFinishedSpans().some((s) => s.attributes['hud.context.client_id'] === 'acme'), 'context reached the spans');

    const places: Record<string, string> = {
      records: JSON.stringify(exporter.records),
      logs: JSON.stringify(logger.entries),
      suspects: JSON.stringify(running.app.get(HudForensics).suspects()),
      spans: JSON.stringify(spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events }))),
    };
    assert.ok(places.suspects.includes('"acme"'), `the suspects name the failing tenant: ${places.suspects}`);
    for (const [place, text] of Object.entries(places)) {
      for (const secret of [SECRET_EMAIL, SECRET_PASSWORD, 'Inc.']) {
        assert.ok(!text.includes(secret), `${secret} found in ${place}`);
      }
    }
  });

  it('a getter on a listed path never runs, and an inherited property is not read', async () => {
    exporter.clear();
    getterReads = 0;
    const response = await fetch(`${running.url}/payments/p-x/crafted`);
    assert.equal(response.status, 500);
    const record = await exporter.waitFor((r) => r.invocation.name === 'GET /payments/:id/crafted');
    assert.equal(getterReads, 0, 'the getter of tenant.id did not run');
    assert.deepEqual(record.context, {}, 'neither the getter’s value nor the inherited plan');
    assert.ok(!JSON.stringify(record).includes(SECRET_EMAIL));
  });
});
