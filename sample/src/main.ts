import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule, inspectorToken } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const logger = new Logger('Sample');
  logger.log(`Sample listening on ${base}`);
  logger.log(
    `Trigger a forensics record:\n  curl -s -X POST ${base}/orders -H 'content-type: application/json' -H 'x-client-id: acme' -H 'x-user-tier: pro' -d '{"items":["a","b"],"express":true}'`,
  );
  logger.log(`A slow one (trigger "duration"):\n  curl -s ${base}/orders/report -H 'x-client-id: acme'`);
  logger.log(`Records are appended to sample-records.ndjson. The inspector: ${base}/_hud?token=${inspectorToken}`);
}

void bootstrap();
