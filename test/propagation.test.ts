import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BadGatewayException, Controller, Get, Inject, Param, Post, type INestMicroservice, type LoggerService, type Type } from '@nestjs/common';
import { ClientProxyFactory, MessagePattern, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import {
  HUD_CONTEXT_HEADER,
  HudContextService,
  HudForensics,
  getContext,
  setContext,
  withHudPropagation,
  type HudModuleOptions,
} from 'nestjs-hud';
import { expectRecord, HudTestingModule, MemoryExporter, runInInvocation } from 'nestjs-hud/testing';
import { startHttpApp, type RunningApp } from './support/http-app.js';
import { requireRedis } from './support/redis.js';

const KEYS = ['client_id', 'request_id', 'attempt', 'express', 'flags'];
const propagation: HudModuleOptions['propagation'] = { keys: KEYS };
const suffix = randomUUID().slice(0, 8);
const REDIS_PATTERN = `billing.charge.${suffix}`;

// ---------------------------------------------------------------- downstream: billing
@Controller('billing')
class BillingHttpController {
  @Post('charge')
  charge() {
    setContext({ step: 'charge' });
    throw new Error('card declined');
  }

  /** What the new invocation starts with, for the tests of inbound parsing. */
  @Get('context')
  context() {
    return getContext();
  }
}

@Controller()
class BillingTcpController {
  @MessagePattern('billing.charge')
  charge(@Payload() payload: { amount: number }) {
    setContext({ step: 'charge', amount: payload.amount });
    throw new Error('ledger locked');
  }
}

function redisController(pattern: string) {
  @Controller()
  class BillingRedisController {
    @MessagePattern(pattern)
    charge(@Payload() payload: { amount: number }) {
      setContext({ step: 'charge', amount: payload.amount });
      throw new Error('ledger locked (redis)');
    }
  }
  return BillingRedisController;
}

async function startMicroservice(controller: Type<unknown>, options: object): Promise<{ app: INestMicroservice; memory: MemoryExporter }> {
  const moduleRef = await Test.createTestingModule({
    imports: [HudTestingModule.forRoot({ service: 'billing-rpc', propagation })],
    controllers: [controller],
  }).compile();
  const app = moduleRef.createNestMicroservice(options as never);
  app.useLogger(false);
  await app.listen();
  return { app, memory: app.get(MemoryExporter) };
}

// ---------------------------------------------------------------- upstream: orders
@Controller('orders')
class OrdersController {
  private readonly tcp: ClientProxy;
  private readonly redis: ClientProxy;

  constructor(
    private readonly hud: HudContextService,
    @Inject('BILLING_URL') private readonly billingUrl: string,
    @Inject('BILLING_TCP') tcp: ClientProxy,
    @Inject('BILLING_REDIS') redis: ClientProxy,
  ) {
    this.tcp = withHudPropagation(tcp);
    this.redis = withHudPropagation(redis);
  }

  @Post(':via')
  async create(@Param('via') via: string) {
    this.hud.set({ attempt: 2, express: true, flags: ['new-checkout', 'beta'], internal_note: 'not for billing' });
    if (via === 'http') {
      const response = await fetch(`${this.billingUrl}/billing/charge`, { method: 'POST', headers: this.hud.outboundHeaders() });
      return { billing: response.status };
    }
    const client = via === 'tcp' ? this.tcp : this.redis;
    const pattern = via === 'tcp' ? 'billing.charge' : REDIS_PATTERN;
    try {
      return await firstValueFrom(client.send(pattern, { amount: 42 }));
    } catch {
      throw new BadGatewayException('billing failed');
    }
  }
}

describe('propagation between services over loopback', () => {
  let billing: RunningApp;
  let billingTcp: { app: INestMicroservice; memory: MemoryExporter };
  let billingRedis: { app: INestMicroservice; memory: MemoryExporter };
  let orders: RunningApp;
  const clients: ClientProxy[] = [];

  before(async () => {
    billing = await startHttpApp('fastify', {
      imports: [HudTestingModule.forRoot({ service: 'billing', propagation })],
      controllers: [BillingHttpController],
    });
    billingTcp = await startMicroservice(BillingTcpController, {
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
    });
    // Fails loudly (no skip), saying why, when the run's Redis is not there.
    const redisAt = await requireRedis();
    billingRedis = await startMicroservice(redisController(REDIS_PATTERN), {
      transport: Transport.REDIS,
      options: { ...redisAt, retryAttempts: 0 },
    });
    const tcpPort = (billingTcp.app.unwrap<Server>().address() as AddressInfo).port;
    const tcp = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: tcpPort } });
    const redis = ClientProxyFactory.create({ transport: Transport.REDIS, options: redisAt });
    clients.push(tcp, redis);
    orders = await startHttpApp('express', {
      imports: [HudTestingModule.forRoot({ service: 'orders', fromHeaders: { client_id: 'x-client-id', request_id: 'x-request-id' }, propagation })],
      controllers: [OrdersController],
      providers: [
        { provide: 'BILLING_URL', useValue: billing.url },
        { provide: 'BILLING_TCP', useValue: tcp },
        { provide: 'BILLING_REDIS', useValue: redis },
      ],
    });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all([orders?.close(), billing?.close(), billingTcp?.app.close(), billingRedis?.app.close()]);
  });

  const order = (via: string) =>
    fetch(`${orders.url}/orders/${via}`, { method: 'POST', headers: { 'x-client-id': 'acme', 'x-request-id': `r-${via}` } });

  const upstreamContext = {
    client_id: 'acme',
    attempt: 2,
    express: true,
    flags: ['new-checkout', 'beta'],
  };

  it('HTTP → HTTP: the downstream failure record shows the upstream client, typed values intact', async () => {
    const response = await order('http');
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { billing: 500 });
    const record = await expectRecord(billing.app.get(MemoryExporter), {
      service: 'billing',
      invocation: { name: 'POST /billing/charge' },
      context: { ...upstreamContext, request_id: 'r-http', step: 'charge' },
    });
    assert.equal('internal_note' in record.context, false, 'keys outside the allow-list stay home');
    assert.equal(record.dropped, undefined);
  });

  it('HTTP → TCP microservice: withHudPropagation carries the context in the packet metadata', async () => {
    const response = await order('tcp');
    assert.equal(response.status, 502);
    const record = await expectRecord(billingTcp.memory, {
      service: 'billing-rpc',
      invocation: { kind: 'rpc' },
      error: { message: 'ledger locked' },
      context: { ...upstreamContext, request_id: 'r-tcp', step: 'charge', amount: 42 },
    });
    assert.equal('internal_note' in record.context, false);
    // the upstream failure is recorded on its own side, with its whole context
    await expectRecord(orders.app.get(MemoryExporter), {
      invocation: { name: 'POST /orders/:via' },
      context: { client_id: 'acme', request_id: 'r-tcp', internal_note: 'not for billing' },
    });
  });

  it('HTTP → Redis microservice: the same over the Redis transport', async () => {
    const response = await order('redis');
    assert.equal(response.status, 502);
    await expectRecord(
      billingRedis.memory,
      {
        invocation: { kind: 'rpc' },
        error: { message: 'ledger locked (redis)' },
        context: { ...upstreamContext, request_id: 'r-redis', step: 'charge', amount: 42 },
      },
      { timeoutMs: 5000 },
    );
  });

  it('reads only allow-listed, well-formed members; anything else is ignored, never an error', async () => {
    const header = [
      'client_id=acme%20corp',
      'evil=1', // not allow-listed
      'request_id=%E0%A4%A', // broken percent-encoding
      'attempt=%7Bnope;json', // broken JSON
      '=x', // no key
      'flags=%5B1%2C%22a%22%5D;json', // a mixed array: rejected by validation like any set
      'express', // no value
    ].join(', ');
    const response = await fetch(`${billing.url}/billing/context`, { headers: { [HUD_CONTEXT_HEADER]: header } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { client_id: 'acme corp' });

    const tooLong = `client_id=${'a'.repeat(5000)}`;
    const ignored = await fetch(`${billing.url}/billing/context`, { headers: { [HUD_CONTEXT_HEADER]: tooLong } });
    assert.equal(ignored.status, 200);
    assert.deepEqual(await ignored.json(), {}, 'a header over maxHeaderBytes is ignored whole');
  });

  it('outboundHeaders() encodes W3C baggage, percent-encoded, typed, within the size limit', () => {
    const headers = runInInvocation(
      () => {
        setContext({ client_id: 'a,b;c=d é', attempt: 2, express: false, flags: ['x'], internal_note: 'no' });
        return orders.app.get(HudContextService).outboundHeaders();
      },
      { app: orders.app },
    );
    assert.deepEqual(headers, {
      'hud-context': 'client_id=a%2Cb%3Bc%3Dd%20%C3%A9,attempt=2;json,express=false;json,flags=%5B%22x%22%5D;json',
    });
    assert.deepEqual(
      runInInvocation(() => orders.app.get(HudContextService).outboundHeaders(), { app: orders.app }),
      {},
      'no allow-listed key set: nothing to send',
    );
    assert.deepEqual(orders.app.get(HudContextService).outboundHeaders(), {}, 'outside an invocation: nothing');
  });
});

describe('propagation limits and defaults', () => {
  it('leaves out keys that would take the header past maxHeaderBytes, and is off by default', async () => {
    const limited = await Test.createTestingModule({
      imports: [HudTestingModule.forRoot({ propagation: { keys: ['small', 'big'], maxHeaderBytes: 64 } })],
    }).compile();
    await limited.init();
    const hud = limited.get(HudContextService);
    const headers = runInInvocation(
      () => {
        setContext({ small: 'ok', big: 'x'.repeat(100) });
        return hud.outboundHeaders();
      },
      { app: limited },
    );
    assert.deepEqual(headers, { 'hud-context': 'small=ok' });
    await limited.close();

    const off = await Test.createTestingModule({ imports: [HudTestingModule.forRoot()] }).compile();
    off.useLogger(false);
    await off.init();
    const nothing = runInInvocation(
      () => {
        setContext({ client_id: 'acme' });
        return off.get(HudContextService).outboundHeaders();
      },
      { app: off },
    );
    assert.deepEqual(nothing, {});
    await off.close();
  });

  it('never lets inbound context fail a request, even in strict mode; a receiver without propagation ignores the header', async () => {
    const notes: string[] = [];
    const strict = await startHttpApp(
      'express',
      {
        imports: [HudTestingModule.forRoot({ strict: true, propagation: { keys: ['client_id', 'flags'] } })],
        controllers: [BillingHttpController],
      },
      (app) =>
        app.useLogger({
          log() {},
          error() {},
          warn() {},
          debug: (message: unknown) => void notes.push(String(message)),
          setLogLevels() {},
        } as LoggerService),
    );
    let plain: RunningApp | undefined;
    try {
      const header = 'client_id=acme,flags=%5B1%2C%22a%22%5D;json,stranger=1';
      const response = await fetch(`${strict.url}/billing/context`, { headers: { [HUD_CONTEXT_HEADER]: header } });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { client_id: 'acme' }, 'in strict mode only the bad key is lost');
      assert.ok(
        notes.some((n) => n.includes('"stranger": not in propagation.keys')),
        `a debug note for the key outside the allow-list: ${notes.join(' | ')}`,
      );
      assert.ok(notes.some((n) => n.includes('"flags"')), 'a debug note for the value strict mode refused');

      // started after the strict app's requests: Nest's loggers are global, and `logger: false` resets them
      plain = await startHttpApp('express', { imports: [HudTestingModule.forRoot()], controllers: [BillingHttpController] });
      const ignored = await fetch(`${plain.url}/billing/context`, { headers: { [HUD_CONTEXT_HEADER]: header } });
      assert.deepEqual(await ignored.json(), {});
      await strict.app.get(HudForensics).flush();
    } finally {
      await Promise.all([strict.close(), plain?.close()]);
    }
  });

  it('refuses propagation keys that are not W3C baggage keys at boot', async () => {
    await assert.rejects(
      Test.createTestingModule({ imports: [HudTestingModule.forRoot({ propagation: { keys: ['client id'] } })] }).compile(),
      /propagation\.keys must be an array of context keys/,
    );
  });

  it('refuses, at boot, a client it cannot attach metadata to, instead of silently sending nothing', () => {
    assert.throws(() => withHudPropagation({ send: () => undefined }), /withHudPropagation: this client has neither setOnDispatchHook .* nor a packet serializer/);
  });
});

describe('propagation of text with emoji', () => {
  @Controller('outbound')
  class OutboundController {
    constructor(private readonly hud: HudContextService) {}

    @Get()
    headers() {
      // 1,023 characters and an emoji: 1,025 code units, cut at limits.maxStringLength (1024)
      setContext({ note: `${'a'.repeat(1023)}😀`, mood: '😀', half: 'x\ud83d' });
      return this.hud.outboundHeaders();
    }
  }

  it('outboundHeaders() never throws: a cut never splits the emoji, and a lone surrogate is sent as U+FFFD', async () => {
    const running = await startHttpApp('express', {
      imports: [HudTestingModule.forRoot({ propagation: { keys: ['note', 'mood', 'half'] } })],
      controllers: [OutboundController],
    });
    try {
      const response = await fetch(`${running.url}/outbound`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {
        [HUD_CONTEXT_HEADER]: `note=${'a'.repeat(1023)},mood=%F0%9F%98%80,half=x%EF%BF%BD`,
      });
    } finally {
      await running.close();
    }
  });
});
