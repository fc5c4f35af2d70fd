import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module } from '@nestjs/common';
import {
  HudContextValidationError,
  HudForensics,
  HudModule,
  MemoryExporter,
  SetHudContext,
  setContext,
  type ForensicsRecord,
  type HudContextInput,
} from 'nestjs-hud';
import { CapturedLogger } from './support/captured-logger.js';
import { startHudContextApp } from './support/hud-context-app.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

const HUGE_KEYS = 100_000;

/** One object with `count` string values, keys `<prefix>0`, `<prefix>1`, ... */
function manyKeys(prefix: string, count: number): Record<string, HudContextInput> {
  const input: Record<string, HudContextInput> = {};
  for (let i = 0; i < count; i++) input[`${prefix}${i}`] = `value ${i}`;
  return input;
}

// Built once, outside the requests: what is measured is what setContext does with them.
const HUGE = manyKeys('k', HUGE_KEYS);
const HUGE_INVALID: Record<string, unknown> = {};
for (let i = 0; i < HUGE_KEYS; i++) HUGE_INVALID[`bad${i}`] = NaN;

@Controller('bounded')
class BoundedController {
  @Get('huge')
  huge() {
    setContext({ client_id: 'acme' });
    setContext(HUGE);
    throw new Error('after a huge set');
  }

  @Get('huge-invalid')
  hugeInvalid() {
    setContext(HUGE_INVALID as Record<string, HudContextInput>);
    throw new Error('after a huge invalid set');
  }

  @Get('later')
  later() {
    setContext({ later_attempts: NaN });
    throw new Error('later');
  }

  @Get('metadata')
  @SetHudContext(() => {
    throw new Error('the header parser broke');
  })
  metadata() {
    throw new Error('metadata');
  }
}

describe('setContext with hostile input stays bounded (HTTP app)', () => {
  const memory = new MemoryExporter();
  const logger = new CapturedLogger();
  let running: RunningApp;

  before(async () => {
    @Module({ imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false })], controllers: [BoundedController] })
    class AppModule {}
    running = await startHttpApp('express', { imports: [AppModule] }, undefined, { logger });
  });
  after(() => running.close());

  async function fail(path: string): Promise<ForensicsRecord> {
    const response = await fetch(`${running.url}/bounded/${path}`);
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), { statusCode: 500, message: 'Internal server error' }, 'the response is untouched');
    const record = await memory.waitFor((r) => r.invocation.name === `GET /bounded/${path}`);
    memory.clear();
    return record;
  }

  const contextWarnings = () => logger.of('warn').filter((e) => e.context === 'Hud' && e.message.startsWith('setContext'));

  it('keeps maxKeys keys of a 100,000-key call, lists 20 problems plus their count, and says why it stopped reading', async (t) => {
    const before = contextWarnings().length;
    const started = performance.now();
    const record = await fail('huge');
    t.diagnostic(`100,000-key setContext request recorded in ${(performance.now() - started).toFixed(1)} ms`);

    assert.equal(Object.keys(record.context).length, 64, 'limits.maxKeys (64)');
    assert.equal(record.context.client_id, 'acme');
    assert.equal(record.context.k0, 'value 0');
    assert.ok(record.dropped !== undefined && record.dropped.length <= 20, `dropped has ${record.dropped?.length} entries`);
    assert.ok(record.droppedCount !== undefined && record.droppedCount > record.dropped.length && record.droppedCount <= 100, `droppedCount ${record.droppedCount}`);
    assert.equal(record.dropped[0].key, '(arguments)');
    assert.match(record.dropped[0].reason, /limits\.maxKeys \(64\).*not read.*bounded/);
    assert.match(record.dropped[1].reason, /over limits\.maxKeys \(64\): key dropped/);
    const size = JSON.stringify(record).length;
    assert.ok(size < 20_000, `the record is ${size} characters`);

    const warnings = contextWarnings().slice(before);
    assert.equal(warnings.length, 1, 'one warning line for the call');
    assert.match(warnings[0].message, /not read.*bounded/);
    assert.ok(warnings[0].message.length < 10_000, `the warning is ${warnings[0].message.length} characters`);
  });

  it('stops reading a call of 100,000 invalid keys too', async () => {
    const before = contextWarnings().length;
    const record = await fail('huge-invalid');
    assert.deepEqual(record.context, {});
    assert.equal(record.dropped?.length, 20);
    assert.ok((record.droppedCount ?? 0) <= 64 + 20 + 1, `droppedCount ${record.droppedCount}`);
    assert.match(record.dropped?.[0].reason ?? '', /not read/);
    assert.equal(contextWarnings().length - before, 1);
  });

  it('still warns about an unrelated later problem, and about problems other than context', async () => {
    await fail('later');
    assert.equal(contextWarnings().filter((e) => e.message.includes('"later_attempts"')).length, 1);
    await fail('metadata');
    assert.equal(logger.of('warn').filter((e) => e.message.includes('the header parser broke')).length, 1);
  });
});

describe('strict mode with hostile input', () => {
  it('throws HudContextValidationError listing 20 problems and counting them all', async () => {
    const app = await startHudContextApp({ strict: true });
    try {
      let caught: unknown;
      await app.fail('strict-huge', () => {
        try {
          setContext(HUGE_INVALID as Record<string, HudContextInput>);
        } catch (error) {
          caught = error;
        }
        throw new Error('end');
      });
      assert.ok(caught instanceof HudContextValidationError, String(caught));
      assert.equal(caught.problems.length, 20);
      assert.ok(caught.problemCount > 20 && caught.problemCount <= 64 + 20 + 1, String(caught.problemCount));
      assert.match(caught.message, /and \d+ more$/);
      assert.ok(caught.message.length < 10_000, `message of ${caught.message.length} characters`);
    } finally {
      await app.close();
    }
  });
});

/** Objects whose every read goes wrong in its own way. */
function hostileInputs() {
  const revoked = Proxy.revocable({ a: 1 }, {});
  revoked.revoke();
  const throwingKeys = new Proxy({}, { ownKeys: () => { throw new Error('ownKeys trap'); } });
  const throwingGet = new Proxy({ secret: 'x' }, { get: () => { throw new Error('get trap'); } });
  const withGetter = Object.defineProperty({ fine: 'kept' } as Record<string, unknown>, 'exploding', {
    enumerable: true,
    get: () => { throw new Error('getter'); },
  });
  const revokedValue = Proxy.revocable([1, 2], {});
  revokedValue.revoke();
  const throwingArray = new Proxy(['a'], { get: (target, key) => { if (key === '0') throw new Error('item trap'); return Reflect.get(target, key); } });
  return { revoked: revoked.proxy, throwingKeys, throwingGet, withGetter, values: { revoked_value: revokedValue.proxy, items: throwingArray } };
}

describe('setContext with Proxies and getters that throw', () => {
  it('never throws in lenient mode: each is dropped and named, the rest is kept', async () => {
    const app = await startHudContextApp({});
    try {
      const inputs = hostileInputs();
      const thrown: unknown[] = [];
      await app.fail('hostile-lenient', () => {
        for (const input of [inputs.revoked, inputs.throwingKeys, inputs.throwingGet, inputs.withGetter, inputs.values]) {
          try {
            setContext(input as Record<string, HudContextInput>);
            app.hud.set(input as Record<string, HudContextInput>);
          } catch (error) {
            thrown.push(error);
          }
        }
        setContext({ after: 'kept' });
        throw new Error('end');
      });
      assert.deepEqual(thrown, [], 'nothing reached the caller');
      const record = await app.exporter.waitFor((r) => r.invocation.name === 'hostile-lenient');
      assert.deepEqual(record.context, { fine: 'kept', after: 'kept' });
      const reasons = (record.dropped ?? []).map((p) => `${p.key}: ${p.reason}`);
      assert.ok(reasons.includes('(arguments): reading the argument threw (a revoked Proxy?)'), reasons.join('\n'));
      assert.ok(reasons.includes('(arguments): listing the keys threw'), reasons.join('\n'));
      assert.ok(reasons.includes('secret: reading the value threw'), reasons.join('\n'));
      assert.ok(reasons.includes('exploding: reading the value threw'), reasons.join('\n'));
      assert.ok(reasons.includes('revoked_value: reading the value threw'), reasons.join('\n'));
      assert.ok(reasons.includes('items: reading the value threw'), reasons.join('\n'));
    } finally {
      await app.close();
    }
  });

  it('throws HudContextValidationError in strict mode, never a TypeError', async () => {
    const app = await startHudContextApp({ strict: true });
    try {
      const inputs = hostileInputs();
      const thrown: unknown[] = [];
      await app.fail('hostile-strict', () => {
        for (const input of [inputs.revoked, inputs.throwingKeys, inputs.throwingGet, inputs.withGetter, inputs.values]) {
          try {
            setContext(input as Record<string, HudContextInput>);
          } catch (error) {
            thrown.push(error);
          }
        }
        throw new Error('end');
      });
      assert.equal(thrown.length, 5);
      for (const error of thrown) assert.ok(error instanceof HudContextValidationError, `${(error as Error)?.name}: ${(error as Error)?.message}`);
      assert.match((thrown[0] as HudContextValidationError).message, /revoked Proxy/);
      await app.forensics.flush();
    } finally {
      await app.close();
    }
  });
});
