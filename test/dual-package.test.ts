import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import * as esm from 'nestjs-hud';
import { startHttpApp, type RunningApp } from './support/http-app.js';

// The same package loaded twice in one process, as happens when an ESM app uses a CommonJS
// library that requires nestjs-hud: `import` gets dist/, `require` gets dist/cjs/. Both copies
// must bind and read the same invocations (one AsyncLocalStorage through a Symbol.for global),
// and what crosses from one copy to the other must work by shape, not class identity.
const require = createRequire(import.meta.url);
const cjs = require('nestjs-hud') as typeof esm;

async function hudModuleFrom(copy: typeof esm, options: esm.HudModuleOptions): Promise<TestingModule> {
  @Module({ imports: [copy.HudModule.forRoot(options)] })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).setLogger(false as never).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('ESM and CommonJS copies in one process', () => {
  it('are two copies of the package: `import` loads dist/, `require` loads dist/cjs/', () => {
    assert.notEqual(cjs.HudModule, esm.HudModule);
    assert.notEqual(cjs.setContext, esm.setContext);
    assert.match(require.resolve('nestjs-hud'), /[\\/]dist[\\/]cjs[\\/]index\.js$/);
    assert.match(import.meta.resolve('nestjs-hud'), /\/dist\/index\.js$/);
  });

  describe('an HTTP invocation bound by the ESM copy', () => {
    const memory = new esm.MemoryExporter();
    let running: RunningApp;

    @Controller('mixed')
    class MixedController {
      @Get('fail')
      fail() {
        esm.setContext({ from_esm: true });
        cjs.setContext({ from_cjs: true, cjs_sees: Object.keys(cjs.getContext()).sort().join(',') });
        throw new Error('mixed failure');
      }
    }

    before(async () => {
      running = await startHttpApp('express', {
        imports: [esm.HudModule.forRoot({ exporters: [memory], rateLimit: false })],
        controllers: [MixedController],
      });
    });
    after(() => running.close());

    it('takes context set through the CommonJS copy into its record', async () => {
      const response = await fetch(`${running.url}/mixed/fail`);
      assert.equal(response.status, 500);
      const record = await memory.waitFor((r) => r.invocation.name === 'GET /mixed/fail');
      assert.equal(record.trigger, 'error');
      assert.deepEqual(record.context, { from_esm: true, from_cjs: true, cjs_sees: 'from_esm' });
    });
  });

  it('records context the CommonJS copy set inside ESM HudContextService.run', async () => {
    const memory = new esm.MemoryExporter();
    const moduleRef = await hudModuleFrom(esm, { exporters: [memory] });
    try {
      const hud = moduleRef.get(esm.HudContextService);
      assert.throws(
        () =>
          hud.run('mixed.job', () => {
            cjs.setContext({ job_id: 'j-7', attempt: 2 });
            throw new Error('job failed');
          }),
        /job failed/,
      );
      const record = await memory.waitFor((r) => r.invocation.name === 'mixed.job');
      assert.equal(record.invocation.kind, 'custom');
      assert.deepEqual(record.context, { job_id: 'j-7', attempt: 2 });
    } finally {
      await moduleRef.close();
    }
  });

  it('works the other way round: a CommonJS HudModule sees what the ESM copy sets', async () => {
    const memory = new cjs.MemoryExporter();
    const moduleRef = await hudModuleFrom(cjs, { exporters: [memory] });
    try {
      const hud = moduleRef.get(cjs.HudContextService);
      const seen = await hud.run('mixed.async', async () => {
        esm.setContext({ tenant: 'acme' });
        await new Promise((resolve) => setTimeout(resolve, 5));
        const seenByEsm = esm.getContext();
        throw Object.assign(new Error('async failure'), { seenByEsm });
      }).catch((error: { seenByEsm: unknown }) => error.seenByEsm);
      assert.deepEqual(seen, { tenant: 'acme' });
      const record = await memory.waitFor((r) => r.invocation.name === 'mixed.async');
      assert.deepEqual(record.context, { tenant: 'acme' });
    } finally {
      await moduleRef.close();
    }
  });

  it('lets either copy recognise a strict-mode HudContextValidationError thrown by the other', async () => {
    const moduleRef = await hudModuleFrom(esm, { strict: true, exporters: [new esm.MemoryExporter()] });
    try {
      const thrown = moduleRef.get(esm.HudContextService).run('mixed.strict', () => {
        try {
          cjs.setContext({ nested: { not: 'a value' } } as never);
        } catch (error) {
          return error;
        }
        return undefined;
      });
      assert.ok(thrown instanceof cjs.HudContextValidationError, 'the copy that threw');
      assert.ok(thrown instanceof esm.HudContextValidationError, 'the other copy');
      assert.deepEqual((thrown as esm.HudContextValidationError).problems.map((p) => p.key), ['nested']);
      assert.ok(!(new Error('other') instanceof esm.HudContextValidationError));
      class Narrower extends esm.HudContextValidationError {}
      assert.ok(!(thrown instanceof Narrower), 'a subclass keeps the ordinary check');
      assert.ok(new Narrower([]) instanceof Narrower);
    } finally {
      await moduleRef.close();
    }
  });
});
