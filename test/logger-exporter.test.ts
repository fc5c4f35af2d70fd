import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Catch,
  Controller,
  Get,
  HttpCode,
  Module,
  Post,
  ServiceUnavailableException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import {
  HudContextService,
  HudForensics,
  HudModule,
  HudSlowThreshold,
  LoggerExporter,
  setContext,
  type ForensicsRecord,
  type HudModuleOptions,
} from 'nestjs-hud';
import { CapturedLogger, type LogEntry } from './support/captured-logger.js';
import { PLATFORMS, startHttpApp, type Platform, type RunningApp } from './support/http-app.js';

@Controller()
class CheckoutController {
  @Post('orders')
  payWithCard() {
    setContext({ client_id: 'acme' });
    throw new Error('payment gateway timeout');
  }

  @Get('report')
  @HudSlowThreshold(20)
  async slowReport() {
    await new Promise((resolve) => setTimeout(resolve, 80));
    return { rows: 1 };
  }

  @Get('maintenance')
  @HttpCode(503)
  maintenanceWindow() {
    return { retryAfterSeconds: 60 };
  }

  @Get('unavailable')
  inventoryUnavailable() {
    throw new ServiceUnavailableException('inventory down');
  }
}

/** The catch-all filter of Nest's docs: it answers every error itself and logs nothing. */
@Catch()
class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(_exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse();
    httpAdapter.reply(response, { statusCode: 500, message: 'Something went wrong' }, 500);
  }
}

interface Started {
  running: RunningApp;
  logger: CapturedLogger;
}

async function start(platform: Platform, options: HudModuleOptions = {}): Promise<Started> {
  const logger = new CapturedLogger();
  const running = await startHttpApp(
    platform,
    { imports: [HudModule.forRoot({ rateLimit: false, ...options })], controllers: [CheckoutController] },
    undefined,
    { logger },
  );
  return { running, logger };
}

/** Sends one request and waits until its record went through the exporters. */
async function send(started: Started, method: 'GET' | 'POST', path: string): Promise<number> {
  const response = await fetch(`${started.running.url}${path}`, { method });
  await response.arrayBuffer();
  await started.running.app.get(HudForensics).flush();
  return response.status;
}

/** The record lines LoggerExporter wrote, with their level. */
function recordLines(logger: CapturedLogger): { level: LogEntry['level']; record: ForensicsRecord; text: string }[] {
  return logger.entries
    .filter((e) => e.context === 'HudForensics' && e.message.startsWith('{'))
    .map((e) => ({ level: e.level, record: JSON.parse(e.message) as ForensicsRecord, text: e.text }));
}

/** Log entries (Nest's and ours) that print a stack frame of `fn`. */
function entriesWithFrame(logger: CapturedLogger, fn: string): LogEntry[] {
  return logger.entries.filter((e) => e.text.includes(`at ${fn} (`));
}

for (const platform of PLATFORMS) {
  describe(`LoggerExporter on ${platform}`, () => {
    describe('by default', () => {
      let started: Started;
      before(async () => {
        started = await start(platform);
      });
      after(() => started.running.close());

      it('logs a slow success at warn and every failure at error', async () => {
        started.logger.clear();
        assert.equal(await send(started, 'GET', '/report'), 200);
        assert.equal(await send(started, 'GET', '/maintenance'), 503);
        assert.equal(await send(started, 'POST', '/orders'), 500);
        const levels = recordLines(started.logger).map((l) => [l.record.trigger, l.level]);
        assert.deepEqual(levels, [
          ['duration', 'warn'],
          ['status', 'error'],
          ['error', 'error'],
        ]);
      });

      it("prints the stack of a failing request once: in Nest's exception line, not again in the record", async () => {
        started.logger.clear();
        assert.equal(await send(started, 'POST', '/orders'), 500);
        const withStack = entriesWithFrame(started.logger, 'CheckoutController.payWithCard');
        assert.equal(withStack.length, 1, `the stack was printed ${withStack.length} times`);
        assert.equal(withStack[0].context, 'ExceptionsHandler');
        const [line] = recordLines(started.logger);
        assert.equal(line.record.error?.message, 'payment gateway timeout');
        assert.equal(line.record.error?.stack, undefined);
        assert.deepEqual(line.record.context, { client_id: 'acme' });
      });

      it("keeps the stack when a catch-all filter of the app answers instead of Nest's handler, which then logs nothing", async () => {
        const withFilter = await startHttpApp(
          platform,
          { imports: [HudModule.forRoot({ rateLimit: false })], controllers: [CheckoutController] },
          (app) => {
            app.useGlobalFilters(new AllExceptionsFilter(app.get(HttpAdapterHost)));
          },
          { logger: started.logger },
        );
        try {
          started.logger.clear();
          const response = await fetch(`${withFilter.url}/orders`, { method: 'POST' });
          assert.deepEqual([response.status, await response.json()], [500, { statusCode: 500, message: 'Something went wrong' }]);
          await withFilter.app.get(HudForensics).flush();
          const withStack = entriesWithFrame(started.logger, 'CheckoutController.payWithCard');
          assert.equal(withStack.length, 1, `the stack was printed ${withStack.length} times`);
          assert.equal(withStack[0].context, 'HudForensics', 'the stack is in the record line, as nothing else printed it');
        } finally {
          await withFilter.close();
        }
      });

      it('keeps the stack Nest does not log: an HttpException, a job', async () => {
        started.logger.clear();
        assert.equal(await send(started, 'GET', '/unavailable'), 503);
        // a unit of work outside any request, e.g. a timer's: Nest's exception layer never sees it
        assert.throws(() =>
          started.running.app.get(HudContextService).run('ledger.reconcile', function reconcileLedger() {
            throw new Error('ledger locked');
          }),
        );
        await started.running.app.get(HudForensics).flush();
        const withStack = (fn: string) => entriesWithFrame(started.logger, fn).map((e) => e.context);
        assert.deepEqual(withStack('CheckoutController.inventoryUnavailable'), ['HudForensics']);
        assert.deepEqual(withStack('reconcileLedger'), ['HudForensics']);
        const names = recordLines(started.logger).map((l) => [l.record.invocation.name, l.record.error?.stack !== undefined]);
        assert.deepEqual(names, [
          ['GET /unavailable', true],
          ['ledger.reconcile', true],
        ]);
      });
    });

    describe("with stacks: 'always'", () => {
      let started: Started;
      before(async () => {
        started = await start(platform, { exporters: [new LoggerExporter({ stacks: 'always' })] });
      });
      after(() => started.running.close());

      it("prints the stack in the record too, beside Nest's exception line", async () => {
        started.logger.clear();
        assert.equal(await send(started, 'POST', '/orders'), 500);
        assert.deepEqual(
          entriesWithFrame(started.logger, 'CheckoutController.payWithCard').map((e) => e.context),
          ['ExceptionsHandler', 'HudForensics'],
        );
        const [line] = recordLines(started.logger);
        assert.equal(line.level, 'error');
        assert.match(line.record.error?.stack ?? '', /^Error: payment gateway timeout\n/);
      });
    });
  });
}

@Resolver('Stock')
class StockResolver {
  @Query('stock')
  countStock() {
    throw new Error('warehouse unreachable');
  }
}

@Module({
  imports: [
    HudModule.forRoot({ rateLimit: false }),
    GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, typeDefs: 'type Query { stock: Int }', path: '/graphql' }),
  ],
  providers: [StockResolver],
})
class GraphqlAppModule {}

describe('LoggerExporter with GraphQL', () => {
  it("prints a resolver error's stack once: Nest logs it, the record leaves it out", async () => {
    const logger = new CapturedLogger();
    const running = await startHttpApp('express', { imports: [GraphqlAppModule] }, undefined, { logger });
    try {
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ stock }' }),
      });
      assert.equal(response.status, 200);
      await response.arrayBuffer();
      await running.app.get(HudForensics).flush();
      assert.deepEqual(
        logger.entries.filter((e) => e.text.includes('at StockResolver.countStock (')).map((e) => e.context),
        ['ExceptionsHandler'],
      );
      const [line] = recordLines(logger);
      assert.equal(line.record.invocation.kind, 'graphql');
      assert.equal(line.record.error?.message, 'warehouse unreachable');
    } finally {
      await running.close();
    }
  });
});

describe('LoggerExporter options', () => {
  it('rejects a stacks value it does not know, naming the ones it does', () => {
    assert.throws(
      () => new LoggerExporter({ stacks: 'never' as 'always' }),
      (error: Error) => error instanceof TypeError && /stacks must be 'always' or 'unlogged', got "never"/.test(error.message),
    );
  });

  it('writes to the logger it is given', () => {
    const lines: [string, string][] = [];
    const exporter = new LoggerExporter({
      logger: { warn: (m: unknown) => lines.push(['warn', String(m)]), error: (m: unknown) => lines.push(['error', String(m)]) },
    });
    const record: ForensicsRecord = {
      id: '1',
      trigger: 'duration',
      detectedAt: new Date(0).toISOString(),
      durationMs: 1500,
      invocation: { kind: 'custom', name: 'nightly' },
      context: {},
    };
    exporter.export([record, { ...record, trigger: 'error', error: { name: 'Error', message: 'x', stack: 'Error: x\n    at y' } }]);
    assert.deepEqual(
      lines.map(([level, line]) => [level, (JSON.parse(line) as ForensicsRecord).error?.stack]),
      [
        ['warn', undefined],
        ['error', 'Error: x\n    at y'],
      ],
    );
  });
});
