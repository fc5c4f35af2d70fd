import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Injectable, Module, Query } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  HudContextService,
  HudForensics,
  HudInvocation,
  HudModule,
  MemoryExporter,
  setContext,
  setFailure,
  type ForensicsRecord,
} from 'nestjs-hud';
import { WebSocket } from 'ws';
import { startAppContext, type RunningContext } from './support/app-context.js';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';
import { outcomeOf, startMicroservice, type RunningMicroservice } from './support/rpc-app.js';

const hudModule = (memory: MemoryExporter) =>
  HudModule.forRoot({ exporters: [memory], rateLimit: false, limits: { maxStringLength: 40 } });

@Controller('payments')
class PaymentsController {
  constructor(private readonly hud: HudContextService) {}

  @Get('charge')
  charge(@Query('provider') provider: string) {
    setContext({ client_id: 'acme' });
    setFailure('payment declined by provider', { provider, attempt: 2 });
    return { status: 'declined', retry: true };
  }

  @Get('service')
  viaService() {
    this.hud.setFailure('fallback price list used');
    this.hud.setFailure('a second reason is not kept');
    return 'partial';
  }

  @Get('then-throw')
  thenThrow() {
    setFailure('inventory stale');
    throw new Error('inventory service down');
  }

  @Get('long')
  long() {
    setFailure(`declined: ${'z'.repeat(200)}`);
    return { ok: false };
  }
}

async function serve(platform: (typeof PLATFORMS)[number], withHud: boolean, memory: MemoryExporter): Promise<RunningApp> {
  if (withHud) return startHttpApp(platform, { imports: [hudModule(memory)], controllers: [PaymentsController] });
  // the same app without the module: HudContextService is then the app's own stand-in that does nothing
  const standIn = { provide: HudContextService, useValue: { setFailure() {} } };
  return startHttpApp(platform, { controllers: [PaymentsController], providers: [standIn] });
}

for (const platform of PLATFORMS) {
  describe(`setFailure in an HTTP handler (${platform})`, () => {
    const memory = new MemoryExporter();
    let withHud: RunningApp;
    let without: RunningApp;
    before(async () => {
      withHud = await serve(platform, true, memory);
      without = await serve(platform, false, memory);
    });
    after(async () => {
      await withHud.close();
      await without.close();
    });

    const get = async (app: RunningApp, path: string) => {
      const response = await fetch(`${app.url}${path}`);
      return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
    };
    const settle = () => withHud.app.get(HudForensics).flush();

    it('gives exactly one failure record, and the client the same 200 response', async () => {
      memory.clear();
      const answer = await get(withHud, '/payments/charge?provider=stripe');
      assert.deepEqual(answer, await get(without, '/payments/charge?provider=stripe'));
      assert.equal(answer.status, 200);
      await settle();
      assert.equal(memory.records.length, 1);
      const [record] = memory.records;
      assert.equal(record.trigger, 'failure');
      assert.deepEqual(record.failure, { reason: 'payment declined by provider' });
      assert.deepEqual(record.context, { client_id: 'acme', provider: 'stripe', attempt: 2 });
      assert.equal(record.invocation.http?.statusCode, 200);
      assert.equal(record.error, undefined);
    });

    it('works through HudContextService; the first reason stays', async () => {
      memory.clear();
      assert.deepEqual(await get(withHud, '/payments/service'), await get(without, '/payments/service'));
      await settle();
      assert.deepEqual(
        memory.records.map((r) => [r.trigger, r.failure?.reason]),
        [['failure', 'fallback price list used']],
      );
    });

    it('a later thrown error wins the trigger; the record keeps the failure', async () => {
      memory.clear();
      const answer = await get(withHud, '/payments/then-throw');
      assert.deepEqual(answer, await get(without, '/payments/then-throw'));
      assert.equal(answer.status, 500);
      await settle();
      assert.equal(memory.records.length, 1);
      assert.equal(memory.records[0].trigger, 'error');
      assert.equal(memory.records[0].error?.message, 'inventory service down');
      assert.deepEqual(memory.records[0].failure, { reason: 'inventory stale' });
    });

    it('cuts the reason to limits.maxStringLength', async () => {
      memory.clear();
      await get(withHud, '/payments/long');
      await settle();
      assert.equal(memory.records[0].failure?.reason, `declined: ${'z'.repeat(30)}`);
    });
  });
}

describe('setFailure in other kinds of invocation', () => {
  @Controller()
  class QuotesRpcController {
    @MessagePattern('quotes.get')
    quote(@Payload() request: { sku: string }) {
      setFailure('stale quote served', { sku: request.sku });
      return { sku: request.sku, price: 12 };
    }
  }

  @WebSocketGateway()
  class QuotesGateway {
    @SubscribeMessage('quotes.watch')
    watch(@MessageBody() request: { sku: string }) {
      setFailure('price feed lagging', { sku: request.sku });
      return { event: 'quotes.price', data: { sku: request.sku, price: 12 } };
    }
  }

  @Injectable()
  class ReindexJob {
    @HudInvocation('search.reindex')
    run() {
      setFailure('3 documents skipped');
      return 'done';
    }
  }

  it('a TCP message: the client gets the handler’s reply, the record trigger failure', async () => {
    const memory = new MemoryExporter();
    const running: RunningMicroservice = await startMicroservice('TCP', { imports: [hudModule(memory)], controllers: [QuotesRpcController] });
    try {
      assert.deepEqual(await outcomeOf(running.client, 'quotes.get', { sku: 'A-1' }), { value: { sku: 'A-1', price: 12 } });
      const record = await memory.waitFor();
      assert.deepEqual([record.trigger, record.invocation.kind, record.failure, record.context], ['failure', 'rpc', { reason: 'stale quote served' }, { sku: 'A-1' }]);
    } finally {
      await running.close();
    }
  });

  it('a WebSocket message: the client gets the reply, the record trigger failure', async () => {
    const memory = new MemoryExporter();
    @Module({ imports: [hudModule(memory)], providers: [QuotesGateway] })
    class WsModule {}
    const running = await startHttpApp('express', { imports: [WsModule] }, (app) => {
      app.useWebSocketAdapter(new WsAdapter(app));
    });
    const socket = new WebSocket(running.url.replace('http://', 'ws://'));
    try {
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const reply = new Promise<unknown>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
      socket.send(JSON.stringify({ event: 'quotes.watch', data: { sku: 'B-2' } }));
      assert.deepEqual(await reply, { event: 'quotes.price', data: { sku: 'B-2', price: 12 } });
      const record = await memory.waitFor();
      assert.deepEqual([record.trigger, record.invocation.kind, record.failure], ['failure', 'ws', { reason: 'price feed lagging' }]);
    } finally {
      socket.close();
      await running.close();
    }
  });

  describe('a job and a custom invocation', () => {
    const memory = new MemoryExporter();
    let running: RunningContext;
    before(async () => {
      running = await startAppContext({ imports: [hudModule(memory)], providers: [ReindexJob] });
    });
    after(() => running.close());

    it('returns what the method returns and records trigger failure', async () => {
      assert.equal(running.app.get(ReindexJob).run(), 'done');
      assert.equal(
        running.app.get(HudContextService).run('nightly.export', () => {
          setFailure('export truncated');
          return 42;
        }),
        42,
      );
      await running.app.get(HudForensics).flush();
      assert.deepEqual(
        memory.records.map((r: ForensicsRecord) => [r.invocation.kind, r.invocation.name, r.trigger, r.failure?.reason]),
        [
          ['job', 'search.reindex', 'failure', '3 documents skipped'],
          ['custom', 'nightly.export', 'failure', 'export truncated'],
        ],
      );
    });

    it('outside an invocation: no effect, no throw', async () => {
      memory.clear();
      assert.doesNotThrow(() => setFailure('at boot', { step: 'init' }));
      assert.doesNotThrow(() => running.app.get(HudContextService).setFailure('at boot'));
      await running.app.get(HudForensics).flush();
      assert.equal(memory.records.length, 0);
    });
  });
});
