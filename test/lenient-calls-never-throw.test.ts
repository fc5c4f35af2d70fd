import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { addBreadcrumb, HudContextService, HudForensics, HudModule, MemoryExporter, setContext, setFailure } from 'nestjs-hud';

// Lenient calls (setContext, addBreadcrumb, setFailure) never throw into the app's code:
// not when the app's logger throws while nestjs-hud warns through it, not when they are
// handed a Proxy whose traps throw.

/** An app logger that fails on every line once armed, as a logger whose transport is down can. */
class ThrowingLogger implements LoggerService {
  armed = false;
  calls = 0;
  log(): void {
    this.fail();
  }
  error(): void {
    this.fail();
  }
  warn(): void {
    this.fail();
  }
  debug(): void {
    this.fail();
  }
  verbose(): void {
    this.fail();
  }
  private fail(): void {
    if (!this.armed) return;
    this.calls++;
    throw new Error('logger transport down');
  }
}

/** A Proxy every trap of which throws. */
function hostileProxy(): object {
  const trap = () => {
    throw new Error('trap says no');
  };
  return new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap });
}

async function startApp(logger: ThrowingLogger) {
  const exporter = new MemoryExporter();
  const moduleRef = await Test.createTestingModule({
    imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: false })],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  logger.armed = true;
  return { moduleRef, exporter, hud: moduleRef.get(HudContextService), forensics: moduleRef.get(HudForensics) };
}

describe('lenient calls never throw into the app', () => {
  it('when the app logger throws while nestjs-hud warns about bad context or breadcrumb data', async () => {
    const logger = new ThrowingLogger();
    const { moduleRef, exporter, hud, forensics } = await startApp(logger);
    try {
      const result = hud.run('bad-input', () => {
        setContext({ ok: 'kept', nan: Number.NaN, nested: { a: 1 } as unknown as string }); // warns
        hud.set('also', Number.POSITIVE_INFINITY); // warns
        addBreadcrumb('step', { bad: Symbol('x') as unknown as string, good: 1 }); // warns
        setFailure('declined', { tier: 'pro', broken: [1, 'mixed'] as unknown as number[] }); // warns
        return 'handled';
      });
      assert.equal(result, 'handled', 'the invocation ran to its end');
      assert.ok(logger.calls > 0, 'nestjs-hud did try to warn through the app logger');
      await forensics.flush();
      const record = exporter.records.find((r) => r.invocation.name === 'bad-input');
      assert.deepEqual(record?.context, { ok: 'kept', tier: 'pro' }, 'what was valid was kept');
      assert.equal(record?.failure?.reason, 'declined');
      assert.deepEqual(record?.breadcrumbs?.[0]?.data, { good: 1 });
    } finally {
      logger.armed = false;
      await moduleRef.close();
    }
  });

  it('when handed a Proxy whose traps throw, as reason, message, data or context', async () => {
    const logger = new ThrowingLogger();
    const { moduleRef, exporter, hud, forensics } = await startApp(logger);
    try {
      const result = hud.run('proxies', () => {
        setFailure(hostileProxy() as unknown as string, hostileProxy() as Record<string, string>);
        addBreadcrumb(hostileProxy() as unknown as string, hostileProxy() as Record<string, string>);
        hud.addBreadcrumb(hostileProxy() as unknown as string);
        hud.setFailure(hostileProxy() as unknown as string);
        setContext(hostileProxy() as Record<string, string>);
        return 'handled';
      });
      assert.equal(result, 'handled');
      await forensics.flush();
      const record = exporter.records.find((r) => r.invocation.name === 'proxies');
      assert.ok(record, 'the invocation was still recorded (it failed by setFailure)');
      assert.equal(typeof record.failure?.reason, 'string');
      assert.equal(record.breadcrumbs?.length, 2, 'both breadcrumbs were kept, their messages as text');
    } finally {
      logger.armed = false;
      await moduleRef.close();
    }
  });
});
