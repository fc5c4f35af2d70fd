// fromMetadata: listed message headers become context, per transport: NATS and MQTT 5 over
// the real brokers test/run.mjs started, gRPC in process, and Kafka and RabbitMQ through an
// in-process server that hands their handlers Nest's own KafkaContext and RmqContext (no
// Kafka broker runs here; RabbitMQ over a real broker is in from-metadata-rabbitmq.test.ts).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxyFactory,
  CustomTransportStrategy,
  EventPattern,
  GrpcMethod,
  KafkaContext,
  MessagePattern,
  MqttRecordBuilder,
  NatsRecordBuilder,
  RmqContext,
  Server,
  Transport,
  type ClientProxy,
} from '@nestjs/microservices';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { HudForensics, HudModule, MemoryExporter, setContext, type ForensicsRecord, type HudModuleOptions } from 'nestjs-hud';
import { firstValueFrom } from 'rxjs';
import { testService } from './support/test-services.js';
import { uniqueName } from './support/redis.js';
import { freePort } from './support/free-port.js';

const FROM_METADATA = { client_id: 'x-client-id', region: 'X-Region', trace_ids: 'x-trace' };

class ChargeFailed extends Error {
  override name = 'ChargeFailed';
}

/** A handler that fails on purpose, after setting one key of its own. */
function chargeController(pattern: string) {
  @Controller()
  class ChargeController {
    @MessagePattern(pattern)
    charge(data: { amount: number; client_id?: string }) {
      setContext({ amount: data.amount });
      throw new ChargeFailed(`charge ${data.amount} failed`);
    }
  }
  return ChargeController;
}

function hudModule(exporter: MemoryExporter, extra: HudModuleOptions = {}) {
  return HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: 10_000, fromMetadata: FROM_METADATA, ...extra });
}

type BrokerOptions =
  | { transport: Transport.NATS; options: { servers: string } }
  | { transport: Transport.MQTT; options: { url: string; protocolVersion: 5 } };

/** A microservice failing on `pattern` over a real broker, with a connected client. */
async function startBroker(broker: BrokerOptions, exporter: MemoryExporter, pattern: string, extra: HudModuleOptions = {}) {
  @Module({ imports: [hudModule(exporter, extra)], controllers: [chargeController(pattern)] })
  class BrokerModule {}
  const app = await NestFactory.createMicroservice(BrokerModule, { ...broker, logger: false });
  await app.listen();
  const client = ClientProxyFactory.create(broker);
  await client.connect();
  return {
    app,
    client,
    close: async () => {
      await client.close();
      await app.close();
    },
  };
}

async function sendAndFail(client: ClientProxy, pattern: string, data: unknown): Promise<void> {
  await firstValueFrom(client.send(pattern, data)).then(
    () => assert.fail('the handler fails'),
    () => undefined,
  );
}

describe('fromMetadata: message headers as context', () => {
  describe('NATS headers (real nats-server)', () => {
    const exporter = new MemoryExporter();
    const pattern = uniqueName('hud-meta-nats');
    let running: Awaited<ReturnType<typeof startBroker>>;
    let client: ClientProxy;

    before(async () => {
      running = await startBroker({ transport: Transport.NATS, options: { servers: testService('HUD_TEST_NATS_URL') } }, exporter, pattern);
      client = running.client;
    });
    after(() => running?.close());

    it('sets the listed headers, matched ignoring case; absent ones are skipped; the handler’s own keys are kept', async () => {
      const headers = natsHeaders();
      headers.set('X-Client-Id', 'acme');
      headers.set('x-region', 'eu-west');
      headers.set('x-unlisted', 'never read');
      await sendAndFail(client, pattern, new NatsRecordBuilder({ amount: 42 }).setHeaders(headers).build());
      const record = await exporter.waitFor((r) => r.invocation.name === pattern);
      assert.deepEqual(record.context, { client_id: 'acme', region: 'eu-west', amount: 42 });
      assert.deepEqual(record.invocation.rpc, { pattern, transport: 'NATS' });
      assert.equal(record.dropped, undefined);
    });

    it('30 concurrent messages: each invocation holds its own message’s headers', async () => {
      exporter.clear();
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => {
          const headers = natsHeaders();
          headers.set('x-client-id', `client-${i}`);
          return sendAndFail(client, pattern, new NatsRecordBuilder({ amount: i }).setHeaders(headers).build());
        }),
      );
      await exporter.waitFor(() => exporter.records.length === 30, 10_000);
      for (const record of exporter.records) assert.equal(record.context.client_id, `client-${record.context.amount}`);
    });
  });

  describe('MQTT 5 user properties (real mosquitto)', () => {
    const exporter = new MemoryExporter();
    const pattern = uniqueName('hud-meta-mqtt');
    let running: Awaited<ReturnType<typeof startBroker>>;
    let client: ClientProxy;

    before(async () => {
      const options = { url: testService('HUD_TEST_MQTT_URL'), protocolVersion: 5 as const };
      running = await startBroker({ transport: Transport.MQTT, options }, exporter, pattern);
      client = running.client;
    });
    after(() => running?.close());

    it('sets the listed user properties; a repeated property becomes a list', async () => {
      const record = new MqttRecordBuilder({ amount: 7 })
        .setProperties({ userProperties: { 'x-client-id': 'globex', 'x-trace': ['t-1', 't-2'], other: 'unlisted' } })
        .build();
      await sendAndFail(client, pattern, record);
      const found = await exporter.waitFor((r) => r.invocation.name === pattern);
      assert.deepEqual(found.context, { client_id: 'globex', trace_ids: ['t-1', 't-2'], amount: 7 });
      assert.equal(found.invocation.rpc?.transport, 'MQTT');
    });
  });

  describe('gRPC metadata (in process)', () => {
    const exporter = new MemoryExporter();
    let app: Awaited<ReturnType<typeof NestFactory.createMicroservice>>;
    let client: grpc.Client & { Charge(request: object, metadata: grpc.Metadata, callback: (error: unknown) => void): void };
    let dir: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hud-meta-grpc-'));
      const protoPath = join(dir, 'billing.proto');
      writeFileSync(
        protoPath,
        'syntax = "proto3"; package billing; service Billing { rpc Charge (ChargeRequest) returns (ChargeReply); } message ChargeRequest { int32 amount = 1; } message ChargeReply { string status = 1; }',
      );
      @Controller()
      class BillingGrpcController {
        @GrpcMethod('Billing', 'Charge')
        charge(request: { amount: number }) {
          setContext({ amount: request.amount });
          throw new ChargeFailed('charge failed');
        }
      }
      @Module({ imports: [hudModule(exporter)], controllers: [BillingGrpcController] })
      class GrpcModule {}
      const url = `127.0.0.1:${await freePort()}`;
      app = await NestFactory.createMicroservice(GrpcModule, { transport: Transport.GRPC, options: { package: 'billing', protoPath, url }, logger: false });
      await app.listen();
      const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath)) as any;
      client = new definition.billing.Billing(url, grpc.credentials.createInsecure());
    });
    after(async () => {
      client?.close();
      await app?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('sets the listed metadata entries (gRPC keys are lower case)', async () => {
      const metadata = new grpc.Metadata();
      metadata.add('x-client-id', 'initech');
      metadata.add('x-trace', 'a');
      metadata.add('x-trace', 'b');
      await new Promise<void>((resolve) => client.Charge({ amount: 3 }, metadata, () => resolve()));
      const record = await exporter.waitFor((r) => r.invocation.name === 'Billing/Charge');
      // gRPC sends repeated metadata as one HTTP/2 header: the values arrive joined
      assert.deepEqual(record.context, { client_id: 'initech', trace_ids: 'a, b', amount: 3 });
      assert.equal(record.invocation.rpc?.transport, 'GRPC');
    });
  });

  describe('Kafka and RabbitMQ headers, with Nest’s own KafkaContext and RmqContext (in process, no broker)', () => {
    /** A custom transport that delivers messages to the handlers with a context it is given. */
    class HandDeliveryServer extends Server implements CustomTransportStrategy {
      listen(callback: () => void): void {
        callback();
      }
      close(): void {}
      on(): void {}
      unwrap<T>(): T {
        return this as unknown as T;
      }
      async deliver(pattern: string, data: unknown, context: unknown): Promise<void> {
        const handler = this.getHandlerByPattern(pattern);
        assert.ok(handler, `a handler for ${pattern}`);
        await Promise.resolve(handler(data, context)).then(
          (result) => (result && typeof (result as { subscribe?: unknown }).subscribe === 'function' ? firstValueFrom(result as never) : result),
        ).catch(() => undefined);
      }
    }

    const exporter = new MemoryExporter();
    const server = new HandDeliveryServer();
    let app: Awaited<ReturnType<typeof NestFactory.createMicroservice>>;
    const settle = () => app.get(HudForensics).flush();

    before(async () => {
      @Controller()
      class EventsController {
        @EventPattern('kafka.charge')
        kafkaCharge(data: { amount: number }) {
          setContext({ amount: data.amount });
          throw new ChargeFailed('kafka charge failed');
        }
        @EventPattern('rmq.charge')
        rmqCharge(data: { amount: number }) {
          setContext({ amount: data.amount });
          throw new ChargeFailed('rmq charge failed');
        }
      }
      @Module({ imports: [hudModule(exporter)], controllers: [EventsController] })
      class HandModule {}
      app = await NestFactory.createMicroservice(HandModule, { strategy: server, logger: false });
      await app.listen();
    });
    after(() => app?.close());

    it('Kafka: header values are Buffers, decoded as UTF-8; a list of them becomes a list', async () => {
      const message = {
        key: null,
        value: Buffer.from('{}'),
        timestamp: '0',
        attributes: 0,
        offset: '0',
        headers: { 'X-Client-Id': Buffer.from('umbrella'), 'x-trace': [Buffer.from('k-1'), Buffer.from('k-2')], 'x-region': undefined },
      };
      const context = new KafkaContext([message as never, 0, 'charges', {} as never, async () => {}, {} as never]);
      await server.deliver('kafka.charge', { amount: 5 }, context);
      await settle();
      const record = exporter.records.find((r) => r.invocation.name === 'kafka.charge');
      assert.ok(record, 'one record');
      assert.deepEqual(record.context, { client_id: 'umbrella', trace_ids: ['k-1', 'k-2'], amount: 5 });
    });

    it('RabbitMQ: message properties headers; a number stays a number', async () => {
      const message = { content: Buffer.from('{}'), fields: {}, properties: { headers: { 'x-client-id': 'hooli', 'x-region': 12 } } };
      const context = new RmqContext([message, {}, 'rmq.charge']);
      await server.deliver('rmq.charge', { amount: 9 }, context);
      await settle();
      const record = exporter.records.find((r) => r.invocation.name === 'rmq.charge');
      assert.ok(record, 'one record');
      assert.deepEqual(record.context, { client_id: 'hooli', region: 12, amount: 9 });
    });

    it('a message without headers, or a context of another kind, sets nothing and fails nothing', async () => {
      exporter.clear();
      const bare = new KafkaContext([{ key: null, value: null, timestamp: '0', attributes: 0, offset: '0' } as never, 0, 't', {} as never, async () => {}, {} as never]);
      await server.deliver('kafka.charge', { amount: 1 }, bare);
      await server.deliver('rmq.charge', { amount: 2 }, { getMessage: () => ({ properties: { headers: { 'x-client-id': 'not a context of Nest' } } }) });
      await settle();
      assert.deepEqual(
        exporter.records.map((r) => r.context).sort((a, b) => Number(a.amount) - Number(b.amount)),
        [{ amount: 1 }, { amount: 2 }],
      );
    });
  });

  describe('validation and strict mode', () => {
    it('a bad value is dropped and named like any set; strict mode never fails the message', async () => {
      const exporter = new MemoryExporter();
      const pattern = uniqueName('hud-meta-strict');
      const broker = { transport: Transport.NATS, options: { servers: testService('HUD_TEST_NATS_URL') } } as const;
      const { client, close } = await startBroker(broker, exporter, pattern, { strict: true, limits: { maxStringLength: 8 } });
      try {
        const headers = natsHeaders();
        headers.set('x-client-id', 'a-client-id-far-too-long');
        await sendAndFail(client, pattern, new NatsRecordBuilder({ amount: 1 }).setHeaders(headers).build());
        const record: ForensicsRecord = await exporter.waitFor((r) => r.invocation.name === pattern);
        assert.equal(record.error?.message, 'charge 1 failed', 'the handler ran and failed by itself');
        assert.deepEqual(record.context, { amount: 1 }, 'strict mode refused the whole header set');
      } finally {
        await close();
      }
    });
  });
});
