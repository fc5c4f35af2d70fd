import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Transport } from '@nestjs/microservices';
import { HudModule, MemoryExporter } from 'nestjs-hud';
import { CapturedLogger } from './support/captured-logger.js';
import { redisAddress, requireRedis } from './support/redis.js';

// With propagation on, a Redis microservice of @nestjs/microservices 11 gets a warning at boot
// (its server drops packet metadata): the consumer smoke test checks that one on Nest 11.
// Here, on Nest 12, whose Redis server reads the metadata, boot says nothing of the kind.

@Controller()
class BillingController {
  @MessagePattern('billing.charge')
  charge() {
    return { ok: true };
  }
}

describe('propagation over Redis, at boot', () => {
  it('@nestjs/microservices 12: no warning, once init() resolved', async () => {
    await requireRedis();
    @Module({
      imports: [HudModule.forRoot({ propagation: { keys: ['client_id'] }, exporters: [new MemoryExporter()] })],
      controllers: [BillingController],
    })
    class BillingModule {}
    const logger = new CapturedLogger();
    const app = await NestFactory.createMicroservice(BillingModule, { transport: Transport.REDIS, options: redisAddress(), logger });
    try {
      await app.init();
      assert.ok(logger.entries.some((e) => e.context === 'InstanceLoader'), 'the logger saw the boot');
      assert.deepEqual(logger.entries.filter((e) => e.message.includes('propagation')), []);
    } finally {
      await app.close();
    }
  });
});
