import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Controller,
  Get,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import {
  getContext,
  HudContextService,
  HudForensics,
  HudModule,
  MemoryExporter,
  setContext,
  type HudContextValue,
} from 'nestjs-hud';
import { CapturedLogger } from './support/captured-logger.js';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

/** What every API answered when called at one place outside an invocation. */
interface Observation {
  threw: unknown;
  setContextReturned: unknown;
  serviceSetReturned: unknown;
  getContext: unknown;
  getAll: unknown;
  get: unknown;
  has: boolean;
  isActive: boolean;
  invocation: unknown;
}

/**
 * Calls every context API, with valid input and with input a strict app rejects inside an
 * invocation (reserved key, NaN, not an object). Outside an invocation none may throw.
 */
function touchEverything(hud: HudContextService): Observation {
  const observation: Partial<Observation> = { threw: undefined };
  try {
    observation.setContextReturned = setContext({ client_id: 'acme', attempts: NaN });
    setContext(JSON.parse('{"__proto__":{"polluted":true}}'));
    setContext('not an object' as unknown as Record<string, HudContextValue>);
    observation.serviceSetReturned = hud.set('tier', 'pro');
    hud.set({ constructor: 'x', ok: true });
    observation.getContext = getContext();
    observation.getAll = hud.getAll();
    observation.get = hud.get('client_id');
    observation.has = hud.has('client_id');
    observation.isActive = hud.isActive();
    observation.invocation = hud.invocation();
  } catch (error) {
    observation.threw = error;
  }
  return observation as Observation;
}

const NO_EFFECT: Observation = {
  threw: undefined,
  setContextReturned: undefined,
  serviceSetReturned: undefined,
  getContext: {},
  getAll: {},
  get: undefined,
  has: false,
  isActive: false,
  invocation: undefined,
};

/** Observations by place; filled by the app's providers and handlers. */
const observed = new Map<string, Observation>();

/** A promise the test resolves once the handler's invocation has completed. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open, isOpen: false };
}
let released = gate();

@Injectable()
class StartupProbe implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private interval: NodeJS.Timeout | undefined;

  constructor(private readonly hud: HudContextService) {
    observed.set('provider constructor', touchEverything(hud));
  }

  onModuleInit() {
    observed.set('onModuleInit', touchEverything(this.hud));
    // a timer started outside any handler, firing while requests are being served
    this.interval = setInterval(() => observed.set('interval started at init', touchEverything(this.hud)), 5);
  }

  onApplicationBootstrap() {
    observed.set('onApplicationBootstrap', touchEverything(this.hud));
  }

  onModuleDestroy() {
    clearInterval(this.interval);
  }
}

@Controller('outside')
class LateController {
  constructor(private readonly hud: HudContextService) {}

  /** Fails, and leaves behind work that runs after the response: a timer and a promise callback. */
  @Get('fail')
  fail() {
    setContext({ in_handler: true });
    const startedAt = Date.now();
    const timer = setInterval(() => {
      if (released.isOpen) {
        observed.set('timer started in the handler', touchEverything(this.hud));
        clearInterval(timer);
      } else if (Date.now() - startedAt > 10_000) {
        clearInterval(timer); // bounded: the test has given up by now
      }
    }, 5);
    void released.opened.then(() => observed.set('promise callback after the response', touchEverything(this.hud)));
    throw new Error('handler failed');
  }
}

async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// The debug note is once per process: this file keeps one logger from before the first
// outside call (in a provider constructor) to the end.
const logger = new CapturedLogger();

for (const platform of PLATFORMS) {
  describe(`calls outside any invocation on ${platform} (strict mode)`, () => {
    const memory = new MemoryExporter();
    let running: RunningApp;
    before(async () => {
      observed.clear();
      released = gate();
      @Module({
        imports: [HudModule.forRoot({ strict: true, exporters: [memory], rateLimit: false })],
        controllers: [LateController],
        providers: [StartupProbe],
      })
      class AppModule {}
      running = await startHttpApp(platform, { imports: [AppModule] }, undefined, { logger });
    });
    after(() => running.close());

    it('have no effect and never throw at module init', () => {
      for (const place of ['provider constructor', 'onModuleInit', 'onApplicationBootstrap']) {
        assert.deepEqual(observed.get(place), NO_EFFECT, place);
      }
    });

    it('have no effect and never throw in a timer started outside any handler', async () => {
      observed.delete('interval started at init');
      await waitUntil(() => observed.has('interval started at init'), 'the interval');
      assert.deepEqual(observed.get('interval started at init'), NO_EFFECT);
      // and one started by the test itself, outside any request
      const fromTest = await new Promise<Observation>((resolve) =>
        setTimeout(() => resolve(touchEverything(running.app.get(HudContextService))), 1),
      );
      assert.deepEqual(fromTest, NO_EFFECT);
    });

    it('have no effect and never throw after the handler completed, from work it started', async () => {
      const response = await fetch(`${running.url}/outside/fail`);
      assert.equal(response.status, 500);
      const record = await memory.waitFor((r) => r.invocation.name === 'GET /outside/fail');
      // the invocation has completed (its record exists): now let the handler's leftovers run
      released.isOpen = true;
      released.open();
      await waitUntil(
        () => observed.has('timer started in the handler') && observed.has('promise callback after the response'),
        "the handler's leftovers",
      );
      assert.deepEqual(observed.get('timer started in the handler'), NO_EFFECT);
      assert.deepEqual(observed.get('promise callback after the response'), NO_EFFECT);
      await running.app.get(HudForensics).flush();
      assert.deepEqual(record.context, { in_handler: true });
      assert.equal(record.dropped, undefined);
      assert.equal(memory.records.length, 1, 'outside calls make no record');
    });
  });
}

describe('the note about calls outside an invocation', () => {
  it('is logged once per process, at debug level, and nothing else is logged about them', () => {
    const notes = logger.entries.filter((e) => e.context === 'Hud');
    assert.equal(notes.length, 1, JSON.stringify(notes));
    assert.equal(notes[0].level, 'debug');
    assert.match(notes[0].message, /outside any invocation/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
