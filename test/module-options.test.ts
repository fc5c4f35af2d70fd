import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Controller,
  Get,
  HttpCode,
  HttpException,
  Injectable,
  InternalServerErrorException,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
  NotFoundException,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  getContext,
  HudContextService,
  HudForensics,
  HudModule,
  MemoryExporter,
  setContext,
  type ForensicsRecord,
  type HudModuleOptions,
} from 'nestjs-hud';
import { CapturedLogger } from './support/captured-logger.js';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Compiles and initialises a module importing `hudModule`, and returns it (or what it threw). */
async function boot(hudModule: ReturnType<typeof HudModule.forRoot>, imports: unknown[] = []) {
  const moduleRef = await Test.createTestingModule({ imports: [...(imports as never[]), hudModule] })
    .setLogger(new CapturedLogger())
    .compile();
  await moduleRef.init();
  return moduleRef;
}

/** Boots with `options` expecting start-up to fail; returns the error message. */
async function bootFailure(hudModule: ReturnType<typeof HudModule.forRoot>): Promise<string> {
  let caught: unknown;
  try {
    const moduleRef = await boot(hudModule);
    await moduleRef.close();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error, 'start-up should have failed');
  return caught.message;
}

/** Runs a failing `HudContextService.run()` invocation and returns its record. */
async function failingRun(hud: HudContextService, memory: MemoryExporter, name: string): Promise<ForensicsRecord> {
  assert.throws(() =>
    hud.run(name, () => {
      setContext({ step: name });
      throw new Error(`${name} failed`);
    }),
  );
  return memory.waitFor((r) => r.invocation.name === name);
}

describe('bad options fail start-up with a message naming the option and what it accepts', () => {
  const CASES: ReadonlyArray<{ title: string; options: unknown; message: RegExp }> = [
    { title: 'slowThresholdMs: -1', options: { slowThresholdMs: -1 }, message: /slowThresholdMs must be a number >= 0 or false/ },
    { title: "slowThresholdMs: '1s'", options: { slowThresholdMs: '1s' }, message: /slowThresholdMs must be a number >= 0 or false/ },
    { title: 'limits.maxKeys: 0', options: { limits: { maxKeys: 0 } }, message: /limits\.maxKeys must be an integer >= 1/ },
    {
      title: 'limits.maxStringLength: 2.5',
      options: { limits: { maxStringLength: 2.5 } },
      message: /limits\.maxStringLength must be an integer >= 1/,
    },
    {
      title: 'limits: 5',
      options: { limits: 5 },
      message: /limits must be an object \{ maxKeys, maxKeyLength, maxStringLength, maxArrayLength \}/,
    },
    {
      title: 'a misspelt limit',
      options: { limits: { maxKey: 10 } },
      message: /unknown option "limits\.maxKey" \(known options of limits: maxKeys, maxKeyLength/,
    },
    {
      title: 'exporters: [{}]',
      options: { exporters: [{}] },
      message: /exporters must be an array of objects with an export\(records\) method/,
    },
    {
      title: 'an unknown option',
      options: { slowThreshold: 100 },
      message: /unknown option "slowThreshold" \(known options: enabled, .*slowThresholdMs/,
    },
    {
      title: "captureStatus: '5xx'",
      options: { captureStatus: '5xx' },
      message: /captureStatus must be a function \(status\) => boolean or an array of HTTP statuses \(100-599\)/,
    },
    { title: 'captureStatus: [700]', options: { captureStatus: [700] }, message: /captureStatus must be a function/ },
    { title: 'rateLimit: true', options: { rateLimit: true }, message: /^[^]*\n  - rateLimit must be \{ perSecond, burst \} or false$/ },
    { title: "rateLimit: 'fast'", options: { rateLimit: 'fast' }, message: /rateLimit must be \{ perSecond, burst \} or false/ },
    {
      title: 'rateLimit.perSecond: 0',
      options: { rateLimit: { perSecond: 0 } },
      message: /rateLimit\.perSecond must be an integer >= 1/,
    },
    { title: 'breadcrumbs: true', options: { breadcrumbs: true }, message: /breadcrumbs must be \{ maxEntries, maxMessageLength, logger, levels \} or false/ },
    { title: 'breadcrumbs.maxEntries: 0', options: { breadcrumbs: { maxEntries: 0 } }, message: /breadcrumbs\.maxEntries must be an integer >= 1/ },
    {
      title: "breadcrumbs.levels: ['info']",
      options: { breadcrumbs: { levels: ['info'] } },
      message: /breadcrumbs\.levels must be an array of log levels \(verbose, debug, log, warn, error, fatal\)/,
    },
    {
      title: 'a misspelt breadcrumbs option',
      options: { breadcrumbs: { maxEntry: 10 } },
      message: /unknown option "breadcrumbs\.maxEntry" \(known options of breadcrumbs: maxEntries, maxMessageLength, logger, levels\)/,
    },
    { title: "slowBaseline: 'auto'", options: { slowBaseline: 'auto' }, message: /slowBaseline must be \{ quantile, factor, minSamples, floorMs, windowMs \} or false/ },
    { title: 'slowBaseline.quantile: 1', options: { slowBaseline: { quantile: 1 } }, message: /slowBaseline\.quantile must be a number between 0 and 1/ },
    { title: 'slowBaseline.factor: 0.5', options: { slowBaseline: { factor: 0.5 } }, message: /slowBaseline\.factor must be a number >= 1/ },
    { title: 'slowBaseline.windowMs: 10', options: { slowBaseline: { windowMs: 10 } }, message: /slowBaseline\.windowMs must be an integer >= 1000/ },
    { title: "enabled: 'yes'", options: { enabled: 'yes' }, message: /enabled must be true or false/ },
    { title: 'shutdownTimeoutMs: 0', options: { shutdownTimeoutMs: 0 }, message: /shutdownTimeoutMs must be an integer >= 1/ },
    { title: "shutdownTimeoutMs: '5s'", options: { shutdownTimeoutMs: '5s' }, message: /shutdownTimeoutMs must be an integer >= 1/ },
    { title: 'strict: 1', options: { strict: 1 }, message: /strict must be true or false/ },
  ];

  for (const { title, options, message } of CASES) {
    it(title, async () => {
      const text = await bootFailure(HudModule.forRoot(options as HudModuleOptions));
      assert.match(text, /^HudModule: invalid options:/);
      assert.match(text, message);
    });
  }

  it('names every bad option at once', async () => {
    const text = await bootFailure(
      HudModule.forRoot({ slowThresholdMs: -1, limits: { maxKeys: 0 }, bogus: true } as unknown as HudModuleOptions),
    );
    assert.match(text, /slowThresholdMs must be/);
    assert.match(text, /limits\.maxKeys must be/);
    assert.match(text, /unknown option "bogus"/);
  });

  it('through forRootAsync too', async () => {
    const text = await bootFailure(
      HudModule.forRootAsync({ useFactory: async () => ({ slowThresholdMs: -1 }) }) as ReturnType<typeof HudModule.forRoot>,
    );
    assert.match(text, /slowThresholdMs must be a number >= 0 or false/);
  });
});

describe('HudModule.forRoot()', () => {
  it('takes no argument and boots with every default (LoggerExporter, slowThresholdMs 1000)', async () => {
    const moduleRef = await boot(HudModule.forRoot());
    try {
      const hud = moduleRef.get(HudContextService);
      const seen = hud.run('defaults', () => {
        hud.set('step', 'defaults');
        return hud.getAll();
      });
      assert.deepEqual(seen, { step: 'defaults' });
    } finally {
      await moduleRef.close();
    }
  });
});

describe('HudModule.forRootAsync', () => {
  @Injectable()
  class AppConfig {
    readonly serviceName = 'from-config';
  }

  /** An options factory: `create()` is the method forRootAsync's useClass / useExisting call. */
  @Injectable()
  class HudConfigService {
    static readonly memory = new MemoryExporter();
    constructor(private readonly config: AppConfig) {}
    create(): HudModuleOptions {
      return { service: `${this.config.serviceName}-via-class`, exporters: [HudConfigService.memory], rateLimit: false };
    }
  }

  @Module({ providers: [AppConfig, HudConfigService], exports: [AppConfig, HudConfigService] })
  class ConfigModule {}

  it('works with useFactory, imports and inject (async factory)', async () => {
    const memory = new MemoryExporter();
    const moduleRef = await boot(
      HudModule.forRootAsync({
        imports: [ConfigModule],
        inject: [AppConfig],
        useFactory: async (config: AppConfig) => {
          await sleep(1);
          return { service: config.serviceName, exporters: [memory], rateLimit: false };
        },
      }) as ReturnType<typeof HudModule.forRoot>,
    );
    try {
      const record = await failingRun(moduleRef.get(HudContextService), memory, 'async.factory');
      assert.equal(record.service, 'from-config');
      assert.deepEqual(record.context, { step: 'async.factory' });
    } finally {
      await moduleRef.close();
    }
  });

  it('works with useClass', async () => {
    const moduleRef = await boot(
      HudModule.forRootAsync({ imports: [ConfigModule], useClass: HudConfigService }) as ReturnType<
        typeof HudModule.forRoot
      >,
    );
    try {
      const record = await failingRun(moduleRef.get(HudContextService), HudConfigService.memory, 'async.class');
      assert.equal(record.service, 'from-config-via-class');
    } finally {
      await moduleRef.close();
    }
  });

  it('works with useExisting', async () => {
    const moduleRef = await boot(
      HudModule.forRootAsync({ imports: [ConfigModule], useExisting: HudConfigService }) as ReturnType<
        typeof HudModule.forRoot
      >,
    );
    try {
      const record = await failingRun(moduleRef.get(HudContextService), HudConfigService.memory, 'async.existing');
      assert.equal(record.service, 'from-config-via-class');
    } finally {
      await moduleRef.close();
    }
  });
});

describe('slowThresholdMs', () => {
  async function slowRun(options: HudModuleOptions): Promise<ForensicsRecord[]> {
    const memory = new MemoryExporter();
    const moduleRef = await boot(HudModule.forRoot({ exporters: [memory], rateLimit: false, ...options }));
    try {
      const value = await moduleRef.get(HudContextService).run('slow.job', async () => {
        await sleep(150);
        return 'done';
      });
      assert.equal(value, 'done');
      await moduleRef.get(HudForensics).flush();
      return [...memory.records];
    } finally {
      await moduleRef.close();
    }
  }

  it('records a success slower than a custom threshold with trigger duration', async () => {
    const records = await slowRun({ slowThresholdMs: 50 });
    assert.equal(records.length, 1);
    assert.equal(records[0].trigger, 'duration');
    assert.ok(records[0].durationMs >= 50);
  });

  it('records no slow success when it is false', async () => {
    assert.deepEqual(await slowRun({ slowThresholdMs: false }), []);
  });
});

@Controller('opts')
class OptionsController {
  constructor(private readonly hud: HudContextService) {}

  @Get('context')
  context() {
    setContext({ from_handler: 'yes' });
    return { context: getContext(), active: this.hud.isActive(), invocation: this.hud.invocation() ?? null };
  }

  @Get('crash')
  crash() {
    setContext({ from_handler: 'yes' });
    throw new Error('crashed');
  }

  @Get('throttled')
  throttled() {
    throw new HttpException('slow down', 429);
  }

  @Get('answers-429')
  @HttpCode(429)
  answers429() {
    return { retry: true };
  }

  @Get('internal')
  internal() {
    throw new InternalServerErrorException('internal');
  }

  @Get('missing')
  missing() {
    throw new NotFoundException('missing');
  }

  @Get('slow')
  async slow() {
    await sleep(150);
    return { slow: true };
  }
}

@Injectable()
class SetsContextMiddleware implements NestMiddleware {
  use(_req: unknown, _res: unknown, next: () => void) {
    setContext({ from_middleware: 'yes' });
    next();
  }
}

async function startOptionsApp(platform: (typeof PLATFORMS)[number], options: HudModuleOptions): Promise<RunningApp> {
  @Module({ imports: [HudModule.forRoot(options)], controllers: [OptionsController] })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      consumer.apply(SetsContextMiddleware).forRoutes('*');
    }
  }
  return startHttpApp(platform, { imports: [AppModule] });
}

for (const platform of PLATFORMS) {
  describe(`enabled: false on ${platform}`, () => {
    const memory = new MemoryExporter();
    let running: RunningApp;
    before(async () => {
      running = await startOptionsApp(platform, { enabled: false, exporters: [memory], slowThresholdMs: 50 });
    });
    after(() => running.close());

    it('makes every API a no-op and records nothing, responses unchanged', async () => {
      const context = await fetch(`${running.url}/opts/context`);
      assert.equal(context.status, 200);
      assert.deepEqual(await context.json(), { context: {}, active: false, invocation: null });

      const crash = await fetch(`${running.url}/opts/crash`);
      assert.equal(crash.status, 500);
      assert.deepEqual(await crash.json(), { statusCode: 500, message: 'Internal server error' });
      assert.equal((await fetch(`${running.url}/opts/slow`)).status, 200);

      const hud = running.app.get(HudContextService);
      assert.equal(hud.run('disabled.job', () => 42), 42, 'run() still returns what fn returns');
      assert.throws(() =>
        hud.run('disabled.job', () => {
          throw new Error('not recorded');
        }),
      );
      const forensics = running.app.get(HudForensics);
      await forensics.flush();
      assert.deepEqual(memory.records, []);
      assert.equal(forensics.stats().recorded, 0);
    });
  });

  describe(`fromHeaders on ${platform}`, () => {
    const memory = new MemoryExporter();
    let running: RunningApp;
    before(async () => {
      @Module({
        imports: [
          HudModule.forRoot({
            fromHeaders: { client_id: 'x-client-id', request_id: 'X-Request-Id', user_tier: 'x-user-tier' },
            exporters: [memory],
            rateLimit: false,
          }),
        ],
        controllers: [OptionsController],
      })
      class AppModule {}
      running = await startHttpApp(platform, { imports: [AppModule] });
    });
    after(() => running.close());

    it('sets keys from the request headers, with no middleware, skipping absent ones', async () => {
      const headers = { 'x-client-id': 'acme', 'x-request-id': 'r-7' };
      const context = await fetch(`${running.url}/opts/context`, { headers });
      assert.deepEqual(((await context.json()) as { context: unknown }).context, { client_id: 'acme', request_id: 'r-7', from_handler: 'yes' });

      assert.equal((await fetch(`${running.url}/opts/crash`, { headers: { 'x-user-tier': 'pro' } })).status, 500);
      const record = await memory.waitFor((r) => r.invocation.name === 'GET /opts/crash');
      assert.deepEqual(record.context, { user_tier: 'pro', from_handler: 'yes' });
      assert.equal(record.dropped, undefined, 'absent headers are not problems');
    });
  });

  const CAPTURE_STATUS: ReadonlyArray<{ title: string; captureStatus: HudModuleOptions['captureStatus'] }> = [
    { title: 'an array [429, 503]', captureStatus: [429, 503] },
    { title: 'a function (status) => status === 429', captureStatus: (status: number) => status === 429 },
  ];
  for (const { title, captureStatus } of CAPTURE_STATUS) {
    describe(`captureStatus as ${title} on ${platform}`, () => {
      const memory = new MemoryExporter();
      let running: RunningApp;
      before(async () => {
        running = await startOptionsApp(platform, { captureStatus, exporters: [memory], rateLimit: false, slowThresholdMs: false });
      });
      after(() => running.close());

      it('records the statuses it names and not the default 5xx; a thrown Error still counts; false turns slowness off', async () => {
        const statuses: Record<string, number> = {};
        for (const route of ['throttled', 'answers-429', 'internal', 'missing', 'crash', 'slow', 'context']) {
          statuses[route] = (await fetch(`${running.url}/opts/${route}`)).status;
        }
        assert.deepEqual(statuses, {
          throttled: 429,
          'answers-429': 429,
          internal: 500,
          missing: 404,
          crash: 500,
          slow: 200,
          context: 200,
        });
        await running.app.get(HudForensics).flush();
        const byName = Object.fromEntries(memory.records.map((r) => [r.invocation.name, r]));
        assert.deepEqual(Object.keys(byName).sort(), ['GET /opts/answers-429', 'GET /opts/crash', 'GET /opts/throttled']);
        assert.equal(memory.records.length, 3);
        assert.equal(byName['GET /opts/throttled'].trigger, 'error');
        assert.equal(byName['GET /opts/throttled'].error?.status, 429);
        assert.equal(byName['GET /opts/answers-429'].trigger, 'status');
        assert.equal(byName['GET /opts/answers-429'].error, undefined);
        assert.equal(byName['GET /opts/answers-429'].invocation.http?.statusCode, 429);
        assert.deepEqual(byName['GET /opts/answers-429'].context, { from_middleware: 'yes' });
        assert.equal(byName['GET /opts/crash'].trigger, 'error');
      });
    });
  }
}
