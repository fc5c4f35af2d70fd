import 'reflect-metadata';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  Body,
  type CanActivate,
  Controller,
  ForbiddenException,
  Get,
  type INestApplication,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
  type OnModuleInit,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  getContext,
  HudContextService,
  HudForensics,
  HudModule,
  MemoryExporter,
  setContext,
  type ForensicsRecord,
  type HudInvocationInfo,
} from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type Platform, type RunningApp } from './support/http-app.js';

/** HudModule recording into `memory`, every record kept, no slowness records (the machine is shared). */
const hudFor = (memory: MemoryExporter) => HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: false });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Starts `module` the way a main.ts does: NestFactory.create, then `beforeListen`, then listen. */
async function startMainStyle(
  platform: Platform,
  module: object,
  beforeListen?: (app: INestApplication) => void,
): Promise<RunningApp> {
  const app = await NestFactory.create(module, platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(), {
    logger: false,
    abortOnError: false,
  });
  beforeListen?.(app);
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  return { app, url, close: () => app.close() };
}

@Injectable()
class BrokenGuard implements CanActivate {
  canActivate(): boolean {
    setContext({ guard_ran: true });
    throw new TypeError('cannot read the session');
  }
}

@Injectable()
class ForbiddingGuard implements CanActivate {
  canActivate(): boolean {
    throw new ForbiddenException('not yours');
  }
}

@Injectable()
class NamingGuard implements CanActivate {
  static seen: HudInvocationInfo | undefined;
  constructor(private readonly hud: HudContextService) {}
  canActivate(): boolean {
    NamingGuard.seen = this.hud.invocation();
    return true;
  }
}

@Controller('binding')
class BindingController {
  constructor(private readonly hud: HudContextService) {}

  @Get('context')
  context(@Req() req: { appHookRan?: boolean; raw?: { appHookRan?: boolean } }) {
    return { context: getContext(), appHookRan: req.appHookRan ?? req.raw?.appHookRan ?? false };
  }

  @Get('crash')
  crash() {
    setContext({ handler_ran: true });
    throw new Error('handler crashed');
  }

  @Get('guarded')
  @UseGuards(BrokenGuard)
  guarded() {
    return { unreachable: true };
  }

  @Get('forbidden')
  @UseGuards(ForbiddingGuard)
  forbidden() {
    return { unreachable: true };
  }

  @Get('info/:id')
  @UseGuards(NamingGuard)
  info() {
    return { inGuard: NamingGuard.seen, inHandler: this.hud.invocation() };
  }

  /** Joins: run() inside a request is part of the request's invocation. */
  @Get('joins')
  joins() {
    const outer = this.hud.invocation();
    const inner = this.hud.run('inner.step', () => this.hud.invocation());
    try {
      this.hud.run('inner.failing', () => {
        setContext({ inner_ran: true });
        throw new Error('inner failed');
      });
    } catch {
      // the handler recovers from the inner failure, then fails on its own
    }
    setContext({ same_invocation: outer?.id === inner?.id, inner_kind: inner?.kind ?? 'none' });
    throw new Error('outer failed');
  }

  @Post('upload')
  @UseGuards(NamingGuard)
  upload(@Body() body: { data: string }) {
    setContext({ received: body.data.length });
    return { context: getContext() };
  }
}

function recordsNamed(memory: MemoryExporter, name: string): ForensicsRecord[] {
  return memory.records.filter((r) => r.invocation.name === name);
}

for (const platform of PLATFORMS) {
  describe(`HTTP binding on ${platform}`, () => {
    describe('a global app.use() middleware registered in main.ts', () => {
      const memory = new MemoryExporter();
      let running: RunningApp;
      before(async () => {
        @Module({ imports: [hudFor(memory)], controllers: [BindingController] })
        class AppModule {}
        running = await startMainStyle(platform, AppModule, (app) => {
          app.use((req: { headers: Record<string, string | undefined> }, _res: unknown, next: () => void) => {
            setContext({ from_app_use: req.headers['x-client-id'] ?? 'anonymous' });
            next();
          });
        });
      });
      after(() => running.close());

      it('lands in the invocation with no extra line', async () => {
        const context = await fetch(`${running.url}/binding/context`, { headers: { 'x-client-id': 'acme' } });
        assert.deepEqual(((await context.json()) as { context: unknown }).context, { from_app_use: 'acme' });

        assert.equal((await fetch(`${running.url}/binding/crash`)).status, 500);
        const record = await memory.waitFor((r) => r.invocation.name === 'GET /binding/crash');
        assert.deepEqual(record.context, { from_app_use: 'anonymous', handler_ran: true });
      });
    });

    /** A request hook and a response hook of the app's own, counting their calls. */
    function appHooks() {
      const calls = { request: 0, response: 0 };
      return {
        calls,
        onRequest(req: { appHookRan?: boolean; raw?: { appHookRan?: boolean } }, _res: unknown, done: () => void) {
          calls.request++;
          (req.raw ?? req).appHookRan = true;
          setContext({ from_app_hook: true });
          done();
        },
        onResponse(_req: unknown, _res: unknown, done?: () => void) {
          calls.response++;
          done?.();
        },
      };
    }

    async function assertHookKept(running: RunningApp, memory: MemoryExporter, calls: { request: number; response: number }) {
      const context = await fetch(`${running.url}/binding/context`);
      assert.deepEqual(await context.json(), { context: { from_app_hook: true }, appHookRan: true });
      assert.equal((await fetch(`${running.url}/binding/crash`)).status, 500);
      const record = await memory.waitFor((r) => r.invocation.name === 'GET /binding/crash');
      assert.deepEqual(record.context, { from_app_hook: true, handler_ran: true });
      assert.equal(calls.request, 2, "the app's request hook ran for each request");
      // the response hook runs after the response is sent: wait for it, bounded
      for (let i = 0; i < 200 && calls.response < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(calls.response, 2, "the app's response hook ran for each request");
    }

    describe('an adapter request hook the app set before app.init()', () => {
      const memory = new MemoryExporter();
      const hooks = appHooks();
      let running: RunningApp;
      before(async () => {
        @Module({ imports: [hudFor(memory)], controllers: [BindingController] })
        class AppModule {}
        running = await startHttpApp(platform, { imports: [AppModule] }, (app) => {
          const adapter = app.getHttpAdapter() as unknown as {
            setOnRequestHook(hook: typeof hooks.onRequest): void;
            setOnResponseHook(hook: typeof hooks.onResponse): void;
          };
          adapter.setOnRequestHook(hooks.onRequest);
          adapter.setOnResponseHook(hooks.onResponse);
        });
      });
      after(() => running.close());

      it('keeps running, chained inside the invocation', () => assertHookKept(running, memory, hooks.calls));
    });

    for (const when of ['constructor', 'onModuleInit'] as const) {
      describe(`an adapter request hook the app set in a provider ${when}`, () => {
        const memory = new MemoryExporter();
        const hooks = appHooks();
        let running: RunningApp;
        before(async () => {
          @Injectable()
          class InstallsHooks implements OnModuleInit {
            constructor(private readonly adapterHost: HttpAdapterHost) {
              if (when === 'constructor') this.install();
            }
            onModuleInit() {
              if (when === 'onModuleInit') this.install();
            }
            private install() {
              const adapter = this.adapterHost.httpAdapter as unknown as {
                setOnRequestHook(hook: typeof hooks.onRequest): void;
                setOnResponseHook(hook: typeof hooks.onResponse): void;
              };
              adapter.setOnRequestHook(hooks.onRequest);
              adapter.setOnResponseHook(hooks.onResponse);
            }
          }
          @Module({
            imports: [hudFor(memory)],
            controllers: [BindingController],
            providers: [InstallsHooks],
          })
          class AppModule {}
          running = await startMainStyle(platform, AppModule);
        });
        after(() => running.close());

        it('keeps running, chained inside the invocation', () => assertHookKept(running, memory, hooks.calls));
      });
    }

    describe('guards, invocation() and HudContextService.run()', () => {
      const memory = new MemoryExporter();
      let running: RunningApp;
      before(async () => {
        @Injectable()
        class TagsRequests implements NestMiddleware {
          use(_req: unknown, _res: unknown, next: () => void) {
            setContext({ from_middleware: true });
            next();
          }
        }
        @Module({ imports: [hudFor(memory)], controllers: [BindingController] })
        class AppModule implements NestModule {
          configure(consumer: MiddlewareConsumer) {
            consumer.apply(TagsRequests).forRoutes('*');
          }
        }
        running = await startHttpApp(platform, { imports: [AppModule] });
      });
      after(() => running.close());

      it('records an Error thrown in a guard with trigger error, and leaves the response as Nest sends it', async () => {
        const response = await fetch(`${running.url}/binding/guarded`);
        assert.equal(response.status, 500);
        assert.deepEqual(await response.json(), { statusCode: 500, message: 'Internal server error' });
        const record = await memory.waitFor((r) => r.invocation.name === 'GET /binding/guarded');
        assert.equal(record.trigger, 'error');
        assert.equal(record.error?.name, 'TypeError');
        assert.equal(record.error?.message, 'cannot read the session');
        assert.equal(record.invocation.http?.statusCode, 500);
        assert.deepEqual(record.context, { from_middleware: true, guard_ran: true });
      });

      it('records nothing for a guard that refuses with a 403', async () => {
        const response = await fetch(`${running.url}/binding/forbidden`);
        assert.equal(response.status, 403);
        await running.app.get(HudForensics).flush();
        assert.deepEqual(recordsNamed(memory, 'GET /binding/forbidden'), []);
      });

      it('invocation() gives { id, kind, name, startedAt } of the request, the same in guard and handler', async () => {
        const sentAt = Date.now();
        const response = await fetch(`${running.url}/binding/info/42`);
        const { inGuard, inHandler } = (await response.json()) as { inGuard: any; inHandler: any };
        assert.deepEqual(Object.keys(inHandler).sort(), ['id', 'kind', 'name', 'startedAt']);
        assert.match(inHandler.id, UUID);
        assert.equal(inHandler.kind, 'http');
        assert.equal(inHandler.name, 'GET /binding/info/:id');
        const startedAt = Date.parse(inHandler.startedAt);
        assert.ok(startedAt >= sentAt - 1000 && startedAt <= Date.now(), `startedAt ${inHandler.startedAt}`);
        assert.deepEqual(inGuard, inHandler);
        assert.equal(running.app.get(HudContextService).invocation(), undefined, 'undefined outside an invocation');
      });

      it('run() inside a request joins its invocation: no record of its own, its context in the request record', async () => {
        assert.equal((await fetch(`${running.url}/binding/joins`)).status, 500);
        const record = await memory.waitFor((r) => r.invocation.name === 'GET /binding/joins');
        await running.app.get(HudForensics).flush();
        assert.deepEqual(record.context, {
          from_middleware: true,
          inner_ran: true,
          same_invocation: true,
          inner_kind: 'http',
        });
        assert.equal(record.error?.message, 'outer failed');
        assert.deepEqual(recordsNamed(memory, 'inner.step'), []);
        assert.deepEqual(recordsNamed(memory, 'inner.failing'), []);
      });

      it('keeps the context in guard and handler when the request body arrives in pieces', async () => {
        const body = JSON.stringify({ data: 'x'.repeat(64) });
        const raw = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(new URL(running.url).port), '127.0.0.1', async () => {
            socket.write(
              `POST /binding/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
                `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
            );
            for (const piece of [body.slice(0, 20), body.slice(20, 40), body.slice(40)]) {
              await new Promise((r) => setTimeout(r, 30));
              socket.write(piece);
            }
          });
          let received = '';
          socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
          socket.on('data', (chunk) => (received += chunk));
          socket.on('end', () => resolve(received));
          socket.on('error', reject);
        });
        const [head, payload] = raw.split('\r\n\r\n');
        assert.match(head, /^HTTP\/1\.1 201/);
        // Express may send the body chunked; the JSON object is what matters
        const json = payload.slice(payload.indexOf('{'), payload.lastIndexOf('}') + 1);
        assert.deepEqual(JSON.parse(json), { context: { from_middleware: true, received: 64 } });
        assert.equal(NamingGuard.seen?.name, 'POST /binding/upload');
      });
    });
  });
}

describe('HudContextService.run()', () => {
  const memory = new MemoryExporter();
  let running: RunningApp;
  let hud: HudContextService;
  before(async () => {
    @Module({ imports: [hudFor(memory)] })
    class AppModule {}
    running = await startHttpApp('express', { imports: [AppModule] });
    hud = running.app.get(HudContextService);
  });
  after(() => running.close());

  it("returns fn's value; a synchronous fn stays synchronous", () => {
    const value = { answer: 42 };
    const result = hud.run('sync.job', () => value);
    assert.equal(result, value, 'the very value fn returned');
    assert.equal(typeof (result as { then?: unknown }).then, 'undefined');
  });

  it('returns a promise of the value for an async fn, and runs it as an invocation', async () => {
    const result = hud.run('async.job', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { info: hud.invocation(), active: hud.isActive() };
    });
    assert.ok(result instanceof Promise);
    const { info, active } = await result;
    assert.equal(active, true);
    assert.equal(info?.kind, 'custom');
    assert.equal(info?.name, 'async.job');
    assert.match(info?.id ?? '', UUID);
    assert.ok(info?.startedAt instanceof Date);
    assert.equal(hud.isActive(), false, 'nothing of it is left outside');
  });

  it('joins the invocation it is called in instead of nesting', () => {
    const [outer, inner] = hud.run('outer.job', () => [hud.invocation(), hud.run('inner.job', () => hud.invocation())]);
    assert.deepEqual(inner, outer);
    assert.equal(inner?.name, 'outer.job');
  });

  it('records a custom-kind record when a synchronous fn throws, and rethrows the same error', async () => {
    const error = new RangeError('nightly report failed');
    assert.throws(
      () =>
        hud.run('reports.nightly', () => {
          setContext({ report: 'nightly', rows: 12 });
          throw error;
        }),
      (thrown) => thrown === error,
    );
    const record = await memory.waitFor((r) => r.invocation.name === 'reports.nightly');
    assert.equal(record.invocation.kind, 'custom');
    assert.equal(record.trigger, 'error');
    assert.equal(record.error?.name, 'RangeError');
    assert.equal(record.error?.message, 'nightly report failed');
    assert.equal(record.invocation.http, undefined);
    assert.deepEqual(record.context, { report: 'nightly', rows: 12 });
  });

  it('records a custom-kind record when an async fn rejects, and passes the same rejection on', async () => {
    const error = new Error('sync to CRM failed');
    await assert.rejects(
      hud.run('crm.sync', async () => {
        setContext({ batch: 7 });
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw error;
      }),
      (thrown) => thrown === error,
    );
    const record = await memory.waitFor((r) => r.invocation.name === 'crm.sync');
    assert.equal(record.invocation.kind, 'custom');
    assert.equal(record.trigger, 'error');
    assert.deepEqual(record.context, { batch: 7 });
  });
});
