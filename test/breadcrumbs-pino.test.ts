import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Injectable, Logger, Param } from '@nestjs/common';
import { InjectPinoLogger, Logger as PinoNestLogger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { pino } from 'pino';
import { HudForensics, hudPinoHooks, MemoryExporter, type ForensicsRecord } from 'nestjs-hud';
import { HudTestingModule, runInInvocation } from 'nestjs-hud/testing';
import { delay } from './support/app-context.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

const story = (record: ForensicsRecord) => (record.breadcrumbs ?? []).map((b) => `${b.level} ${b.data?.context ?? '-'}: ${b.message}`);

@Injectable()
class StockService {
  constructor(@InjectPinoLogger(StockService.name) private readonly logger: PinoLogger) {}

  reserve(id: string) {
    this.logger.info({ sku: id }, 'reserving %s', id);
    this.logger.debug('not a breadcrumb by default');
  }
}

@Controller('stock')
class StockController {
  private readonly nest = new Logger('Stock');
  constructor(private readonly stock: StockService) {}

  @Get(':id')
  async reserve(@Param('id') id: string) {
    this.stock.reserve(id);
    await delay(Number(id) % 7);
    this.nest.warn(`low stock for ${id}`);
    throw new Error(`cannot reserve ${id}`);
  }
}

describe('hudPinoHooks() with nestjs-pino: PinoLogger lines become breadcrumbs, Nest Logger lines once', () => {
  let running: RunningApp;
  let memory: MemoryExporter;
  const written: string[] = [];
  before(async () => {
    running = await startHttpApp(
      'fastify',
      {
        imports: [
          HudTestingModule.forRoot({}),
          LoggerModule.forRoot({
            pinoHttp: [{ hooks: hudPinoHooks(), autoLogging: false }, { write: (line: string) => void written.push(line) }],
          }),
        ],
        controllers: [StockController],
        providers: [StockService],
      },
      (app) => app.useLogger(app.get(PinoNestLogger)),
    );
    memory = running.app.get(MemoryExporter);
  });
  after(() => running.close());

  it('lists the injected PinoLogger line (formatted) and the Nest Logger line in order, each once, per request', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `sku-${i}`);
    await Promise.all(ids.map((id) => fetch(`${running.url}/stock/${id}`)));
    await running.app.get(HudForensics).flush();
    assert.equal(memory.records.length, 30);
    for (const record of memory.records) {
      const id = /cannot reserve (\S+)/.exec(record.error?.message ?? '')?.[1];
      assert.deepEqual(story(record).slice(0, 2), [`log StockService: reserving ${id}`, `warn Stock: low stock for ${id}`]);
    }
    assert.ok(written.some((line) => line.includes('"msg":"reserving sku-0"')), 'pino still writes its lines');
  });
});

describe('hudPinoHooks() with pino used directly', () => {
  it('leaves what pino writes as it was, inside an invocation and outside', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const plain = pino({ base: null, timestamp: false }, sink);
    const hooked = pino({ base: null, timestamp: false, hooks: hudPinoHooks() }, sink);
    const dbDown = new Error('db down'); // one error: its stack says where it was made
    const writeAll = (logger: typeof plain) => {
      logger.info('plain message');
      logger.warn({ order: 3 }, 'order %d late', 3);
      logger.error(dbDown);
    };
    writeAll(plain);
    runInInvocation(() => writeAll(hooked));
    writeAll(hooked);
    assert.equal(lines.length, 9);
    assert.deepEqual(lines.slice(3, 6), lines.slice(0, 3));
    assert.deepEqual(lines.slice(6, 9), lines.slice(0, 3));
  });

  it('records them on the failing invocation', async () => {
    const memory = new MemoryExporter();
    const logger = pino({ level: 'trace', hooks: hudPinoHooks() }, new Writable({ write: (_c, _e, done) => done() }));
    const running = await startHttpApp('express', { imports: [HudTestingModule.forRoot({ exporters: [memory], breadcrumbs: { levels: ['log', 'warn', 'error', 'verbose'] } })] });
    try {
      assert.throws(() =>
        runInInvocation(
          () => {
            logger.info('plain message');
            logger.warn({ order: 3 }, 'order %d late', 3);
            logger.error(new Error('db down'));
            logger.trace('fine detail');
            logger.debug('not in levels');
            throw new Error('job failed');
          },
          { app: running.app, kind: 'job', name: 'pino.job' },
        ),
      );
      const record = await memory.waitFor((r) => r.invocation.name === 'pino.job');
      assert.deepEqual(story(record), ['log -: plain message', 'warn -: order 3 late', 'error -: Error: db down', 'verbose -: fine detail']);
    } finally {
      await running.close();
    }
  });
});
