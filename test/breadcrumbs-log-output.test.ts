import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { inspect } from 'node:util';
import {
  ConsoleLogger,
  Controller,
  Get,
  HttpException,
  Logger,
  Module,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import { addBreadcrumb, HudForensics, HudModule, MemoryExporter, type ForensicsRecord } from 'nestjs-hud';

/**
 * Breadcrumbs read Nest `Logger` lines without changing them: for each logger an app may
 * install, the same requests print exactly the same bytes with and without HudModule. The
 * clock is frozen while they run (the lines carry a timestamp) and the lines are captured
 * where each logger writes: stdout and stderr, the custom logger's calls, pino's stream.
 */

/** Created once, here: an Error made in a handler would carry the handler's call stack. */
const DECLINED = new Error('card declined');

@Controller('story')
class StoryController {
  private readonly logger = new Logger('Payments');

  @Get('ok')
  ok() {
    this.logger.log('charging card');
    this.logger.warn({ attempt: 2, provider: 'adyen' });
    this.logger.error('declined once', 'at Provider.charge (provider.ts:10:5)\n    at next (x.ts:1:1)');
    addBreadcrumb('explicit step');
    return { ok: true };
  }

  @Get('fail')
  fail() {
    Logger.warn('static warning', 'Checkout');
    this.logger.log('%s with %d params', 'a line', 2, { extra: true });
    this.logger.error(DECLINED);
    this.logger.debug('a debug line');
    this.logger.fatal('giving up');
    throw new HttpException('upstream unavailable', 503);
  }
}

/** Only what is logged while the requests run is compared: start-up lines name the app's modules. */
const capture = { on: false, lines: [] as string[] };
const keep = (line: string) => {
  if (capture.on) capture.lines.push(line);
};

/** A custom LoggerService: keeps every call with its arguments. */
class RecordingLogger implements LoggerService {
  log(...args: unknown[]) {
    keep(`custom ${inspect(['log', ...args], { depth: 5 })}`);
  }
  error(...args: unknown[]) {
    keep(`custom ${inspect(['error', ...args], { depth: 5 })}`);
  }
  warn(...args: unknown[]) {
    keep(`custom ${inspect(['warn', ...args], { depth: 5 })}`);
  }
  debug(...args: unknown[]) {
    keep(`custom ${inspect(['debug', ...args], { depth: 5 })}`);
  }
  fatal(...args: unknown[]) {
    keep(`custom ${inspect(['fatal', ...args], { depth: 5 })}`);
  }
}

// The first use of mock timers warns once that they are experimental: let it happen now, not during a capture.
mock.timers.enable({ apis: ['Date'] });
mock.timers.reset();

/** Nest's default logger, as it is before any app installs another. */
const DEFAULT_LOGGER = (Logger as unknown as { staticInstanceRef: LoggerService | undefined }).staticInstanceRef;

interface LoggerCase {
  name: string;
  /** No logger given: Nest's default ConsoleLogger, every level on. */
  nestDefault?: boolean;
  /** The `logger` option of NestFactory.create (`undefined`: not given, Nest's default). */
  logger?: () => LoggerService | false;
  /** Modules of the logger itself (nestjs-pino). */
  imports?: () => DynamicModule[];
  configure?: (app: INestApplication) => void;
}

const CASES: LoggerCase[] = [
  { name: "Nest's default ConsoleLogger", nestDefault: true },
  { name: 'ConsoleLogger({ json: true })', logger: () => new ConsoleLogger({ json: true }) },
  { name: 'logger: false', logger: () => false },
  { name: 'a custom LoggerService', logger: () => new RecordingLogger() },
  {
    name: "nestjs-pino's Logger",
    imports: () => [
      LoggerModule.forRoot({
        pinoHttp: [
          {
            // pino-http's own request ids count across every app of the process: the test names each request
            genReqId: (req: { headers: Record<string, unknown> }) => String(req.headers['x-test-request']),
            // ports differ from one server to the next, so the request is logged by method and URL
            serializers: { req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }) },
          },
          { write: (line: string) => keep(`pino ${line}`) },
        ],
      }),
    ],
    configure: (app) => app.useLogger(app.get(PinoNestLogger)),
  },
];

interface Run {
  output: string[];
  records: readonly ForensicsRecord[];
}

/** Serves the StoryController (with HudModule or not), sends the same requests, keeps every byte logged meanwhile. */
async function serve(loggerCase: LoggerCase, withHud: boolean): Promise<Run> {
  const memory = new MemoryExporter();
  const imports: DynamicModule[] = [...(loggerCase.imports?.() ?? [])];
  if (withHud) imports.push(HudModule.forRoot({ exporters: [memory], rateLimit: false }));
  @Module({ imports, controllers: [StoryController] })
  class AppModule {}

  (Logger as unknown as { staticInstanceRef: LoggerService | undefined }).staticInstanceRef = DEFAULT_LOGGER;
  const custom = loggerCase.logger?.();
  const app = await NestFactory.create(AppModule, new ExpressAdapter(), {
    abortOnError: false,
    ...(custom !== undefined ? { logger: custom } : { logger: ['error'] }),
  });
  loggerCase.configure?.(app);
  await app.listen(0, '127.0.0.1');
  if (loggerCase.nestDefault === true) {
    // Nest's default logger, all levels (the error-only setting above kept the boot lines out)
    (Logger as unknown as { staticInstanceRef: LoggerService | undefined }).staticInstanceRef = DEFAULT_LOGGER;
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  }
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;

  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  /** Loggers write strings; the test runner's own reports (Buffers) pass through. */
  const catcher = (stream: 'stdout' | 'stderr') =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'string') return (writes[stream] as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      keep(`${stream} ${chunk}`);
      return true;
    } as typeof process.stdout.write;
  mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-03-01T12:00:00.000Z') });
  process.stdout.write = catcher('stdout');
  process.stderr.write = catcher('stderr');
  capture.lines = [];
  capture.on = true;
  try {
    for (const [n, path] of ['/story/ok', '/story/fail', '/story/ok', '/story/fail'].entries()) {
      const response = await fetch(`${url}${path}`, { headers: { 'x-test-request': `r${n}` } });
      keep(`${path} → ${response.status} ${await response.text()}`);
    }
  } finally {
    capture.on = false;
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    mock.timers.reset();
  }
  if (withHud) await app.get(HudForensics).flush();
  await app.close();
  return { output: capture.lines, records: memory.records };
}

describe('log output is byte-for-byte the same with and without HudModule', () => {
  for (const loggerCase of CASES) {
    it(`${loggerCase.name}: same lines, and the failing requests' records carry them as breadcrumbs`, async () => {
      const without = await serve(loggerCase, false);
      const withHud = await serve(loggerCase, true);
      assert.ok(loggerCase.logger?.() === false || without.output.length > 8, `lines were captured: ${without.output.join('')}`);
      assert.deepEqual(withHud.output, without.output);

      assert.equal(withHud.records.length, 2, 'one record per failing request');
      for (const record of withHud.records) {
        assert.equal(record.invocation.name, 'GET /story/fail');
        assert.deepEqual(
          record.breadcrumbs?.map((b) => `${b.level} ${b.data?.context ?? ''}: ${b.message}`),
          [
            'warn Checkout: static warning',
            'log Payments: %s with %d params',
            'error Payments: Error: card declined',
            'fatal Payments: giving up',
          ],
        );
      }
    });
  }
});

describe('Logger methods while no HudModule runs', () => {
  it('are Nest’s own again once the last app closed', async () => {
    const methods = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const;
    const before = methods.map((m) => [Logger.prototype[m], (Logger as unknown as Record<string, unknown>)[m]]);
    const run = await serve(CASES[2], true);
    assert.equal(run.records.length, 2);
    assert.deepEqual(
      methods.map((m) => [Logger.prototype[m], (Logger as unknown as Record<string, unknown>)[m]]),
      before,
    );
  });
});
