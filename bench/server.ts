/**
 * One benchmark server: builds the variant named by BENCH_VARIANT on BENCH_PLATFORM, serves
 * GET /hello on 127.0.0.1, and answers the runner's `sample` requests with its own CPU time.
 * Started in a fresh process per measurement by `run.ts`.
 */
import 'reflect-metadata';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { variantNamed, type Platform } from './app/variants.js';
import type { ServerCommand, ServerMessage } from './protocol.js';

function send(message: ServerMessage): void {
  process.send?.(message);
}

async function createApp(platform: Platform, module: Type): Promise<INestApplication> {
  if (platform === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    return NestFactory.create(module, new FastifyAdapter(), { logger: false });
  }
  const { ExpressAdapter } = await import('@nestjs/platform-express');
  return NestFactory.create(module, new ExpressAdapter(), { logger: false });
}

async function main(): Promise<void> {
  const platform = process.env.BENCH_PLATFORM as Platform;
  if (platform !== 'express' && platform !== 'fastify') throw new Error(`BENCH_PLATFORM must be express or fastify, got ${platform}`);
  const setup = await variantNamed(process.env.BENCH_VARIANT ?? '').load();
  const app = await createApp(platform, setup.module);
  setup.configure?.(app, platform);
  await app.listen(0, '127.0.0.1');
  const port: number = app.getHttpServer().address().port;

  process.on('message', (command: ServerCommand) => {
    if (command.type === 'sample') {
      const memory = process.memoryUsage();
      send({ type: 'sample', cpu: process.cpuUsage(), rss: memory.rss, heapUsed: memory.heapUsed, extra: setup.report?.(app) ?? {} });
    } else if (command.type === 'stop') {
      // Bounded: a server that does not close in time is ended anyway.
      setTimeout(() => process.exit(0), 3000).unref();
      void app.close().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
