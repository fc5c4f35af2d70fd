// fromMetadata over a real RabbitMQ broker (Debian's rabbitmq-server, started by test/run.mjs
// for the runs that include this file): the listed message headers become context.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, MessagePattern, RmqRecordBuilder, Transport, type ClientProxy } from '@nestjs/microservices';
import { HudModule, MemoryExporter, setContext } from 'nestjs-hud';
import { firstValueFrom } from 'rxjs';
import { testService } from './support/test-services.js';
import { uniqueName } from './support/redis.js';

class ChargeFailed extends Error {
  override name = 'ChargeFailed';
}

describe('fromMetadata: RabbitMQ message headers (real rabbitmq-server)', () => {
  const exporter = new MemoryExporter();
  const queue = uniqueName('hud-meta-rmq');
  const options = { urls: [testService('HUD_TEST_RMQ_URL')], queue, queueOptions: { durable: false } };
  let app: INestMicroservice;
  let client: ClientProxy;

  before(async () => {
    @Controller()
    class ChargeController {
      @MessagePattern('billing.charge')
      charge(data: { amount: number }) {
        setContext({ amount: data.amount });
        throw new ChargeFailed(`charge ${data.amount} failed`);
      }
    }
    @Module({
      imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, fromMetadata: { client_id: 'x-client-id', region: 'X-Region' } })],
      controllers: [ChargeController],
    })
    class RmqModule {}
    app = await NestFactory.createMicroservice(RmqModule, { transport: Transport.RMQ, options, logger: false });
    await app.listen();
    client = ClientProxyFactory.create({ transport: Transport.RMQ, options });
    await client.connect();
  });
  after(async () => {
    await client?.close();
    await app?.close();
  });

  async function send(amount: number, headers: Record<string, string>): Promise<void> {
    const record = new RmqRecordBuilder({ amount }).setOptions({ headers }).build();
    await firstValueFrom(client.send('billing.charge', record)).then(
      () => assert.fail('the handler fails'),
      () => undefined,
    );
  }

  it('sets the listed headers of the message, matched ignoring case; others are not read', async () => {
    await send(12, { 'x-client-id': 'acme', 'x-region': 'eu-west', 'x-unlisted': 'never read' });
    const record = await exporter.waitFor((r) => r.invocation.name === 'billing.charge', 10_000);
    assert.deepEqual(record.context, { client_id: 'acme', region: 'eu-west', amount: 12 });
    assert.deepEqual(record.invocation.rpc, { pattern: 'billing.charge', transport: 'RMQ' });
  });

  it('20 concurrent messages: each invocation holds its own message’s headers', async () => {
    exporter.clear();
    await Promise.all(Array.from({ length: 20 }, (_, i) => send(i, { 'x-client-id': `client-${i}` })));
    await exporter.waitFor(() => exporter.records.length === 20, 10_000);
    for (const record of exporter.records) assert.equal(record.context.client_id, `client-${record.context.amount}`);
  });
});
