// Added by the smoke test to the test/ folder of both CLI-shaped apps, beside the e2e test
// `nest new` generated: the README's failing request against the app the Quick start built.
// Globals of Jest and of Vitest (`globals: true`, as Nest 12's config sets it).
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { HudForensics } from 'nestjs-hud';
import { AppModule } from '../src/app.module.js';

/** The app's log, kept: what Nest's `Logger` (and so the default LoggerExporter) writes. */
const lines: { level: string; args: unknown[] }[] = [];
const keep = (level: string) => (...args: unknown[]) => void lines.push({ level, args });
const logger = { log: keep('log'), error: keep('error'), warn: keep('warn'), debug: keep('debug'), verbose: keep('verbose'), fatal: keep('fatal') };

describe('Quick start (e2e)', () => {
  let app: INestApplication;

  beforeEach(async () => {
    lines.length = 0;
    const moduleFixture = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleFixture.createNestApplication({ logger });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  it('POST /orders fails as before and yields one record, written by the LoggerExporter', async () => {
    await request(app.getHttpServer())
      .post('/orders')
      .set('x-client-id', 'acme')
      .set('x-user-tier', 'pro')
      .send({ items: ['a', 'b'] })
      .expect(500, { statusCode: 500, message: 'Internal server error' });
    const forensics = app.get(HudForensics);
    await forensics.flush();
    const stats = forensics.stats();
    expect(stats.recorded).toBe(1);
    expect(stats.exporters.map((e) => [e.name, e.exported])).toEqual([['LoggerExporter', 1]]);
    // The line README shows: level error, context HudForensics, the record as JSON.
    const recordLines = lines.filter((line) => line.level === 'error' && line.args.at(-1) === 'HudForensics');
    expect(recordLines.length).toBe(1);
    const record = JSON.parse(String(recordLines[0].args[0]));
    expect([record.service, record.trigger, record.invocation.name, record.error.message]).toEqual(['orders-api', 'error', 'POST /orders', 'payment gateway timeout']);
    expect(record.context).toEqual({ client_id: 'acme', user_tier: 'pro', order_items: 2 });
  });

  it('GET / still answers as nest new wrote it', async () => {
    await request(app.getHttpServer()).get('/').expect(200, 'Hello World!');
  });
});
