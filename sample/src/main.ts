import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { AppModule, inspectorToken, RECORDS_FILE, TCP_PORT } from './app.module.js';

async function bootstrap() {
  // BullMQ only when a Redis is configured: imported on demand, so the sample runs without it
  const redisUrl = process.env.REDIS_URL;
  const optional = redisUrl ? [(await import('./emails.module.js')).EmailsModule.forRedis(redisUrl)] : [];
  const app = await NestFactory.create(AppModule.with(optional));
  app.enableShutdownHooks();
  // A hybrid app: the same process also serves TCP messages, each its own invocation.
  app.connectMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: TCP_PORT } });
  await app.startAllMicroservices();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const logger = new Logger('Sample');
  logger.log(`Sample listening on ${base}`);
  logger.log(
    `Trigger a forensics record:\n  curl -s -X POST ${base}/orders -H 'content-type: application/json' -H 'x-client-id: acme' -H 'x-user-tier: pro' -d '{"items":["a","b"],"express":true}'`,
  );
  logger.log(`A slow one (trigger "duration"):\n  curl -s ${base}/orders/report -H 'x-client-id: acme'`);
  logger.log(`A 200 the handler marks as failed with setFailure (trigger "failure"):\n  curl -s -X POST ${base}/orders/42/refund -H 'x-client-id: acme'`);
  logger.log(`A 503 answered without an error (trigger "status"):\n  curl -s ${base}/orders/maintenance -H 'x-client-id: acme'`);
  logger.log(
    `A failing TCP message (kind "rpc") sent by a request (kind "http"), two records:\n  curl -s -X POST ${base}/reservations -H 'content-type: application/json' -H 'x-client-id: acme' -d '{"sku":"sku-42","quantity":2}'`,
  );
  logger.log(
    `An event listener that outlives the request and fails on purpose about one time in two:\n  curl -s -X POST ${base}/orders/42/ship -H 'x-client-id: acme'`,
  );
  logger.log('A background job, inventory.sync, runs every 30 s; every tenth run fails on purpose (a record of kind "job").');
  if (redisUrl) {
    logger.log(
      `A BullMQ job that fails on both attempts:\n  curl -s -X POST ${base}/emails -H 'content-type: application/json' -d '{"to":"bounce@example.com"}'`,
    );
  } else {
    logger.log('Set REDIS_URL (e.g. redis://127.0.0.1:6379) to add the BullMQ example.');
  }
  logger.log(`Records are appended to ${RECORDS_FILE}. The inspector: ${base}/_hud?token=${inspectorToken}`);
  logger.log('Or run `npm run demo` in another terminal: a short burst of each kind of failure, then a summary.');
}

void bootstrap();
