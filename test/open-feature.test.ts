// openFeature: every flag evaluated during an invocation is context, `flag.<flagKey>`,
// with OpenFeature's own InMemoryProvider; the suspects then rank flag values with no code.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module, Param, Query } from '@nestjs/common';
import { OpenFeature, InMemoryProvider } from '@openfeature/server-sdk';
import { OpenFeatureClient, OpenFeatureModule } from '@openfeature/nestjs-sdk';
import type { Client } from '@openfeature/server-sdk';
import { getContext, HudForensics, HudModule, HudOpenFeatureHook, MemoryExporter, type HudModuleOptions } from 'nestjs-hud';
import { startHttpApp, type RunningApp } from './support/http-app.js';
import { startAppContext } from './support/app-context.js';

const run = promisify(execFile);

class CheckoutFailed extends Error {
  override name = 'CheckoutFailed';
}

/** Flags of every type; `new-checkout` is on for users whose id ends in an even digit. */
const FLAGS = {
  'new-checkout': {
    variants: { on: true, off: false },
    defaultVariant: 'off',
    disabled: false,
    contextEvaluator: (context: { targetingKey?: string }) => (Number(context.targetingKey?.slice(-1)) % 2 === 0 ? 'on' : 'off'),
  },
  theme: { variants: { dark: 'dark', light: 'light' }, defaultVariant: 'dark', disabled: false },
  'max-items': { variants: { few: 5, many: 50 }, defaultVariant: 'many', disabled: false },
  layout: { variants: { compact: { columns: 2 }, wide: { columns: 4 } }, defaultVariant: 'wide', disabled: false },
};

@Controller('checkout')
class CheckoutController {
  @Get(':user')
  async checkout(@Param('user') user: string, @Query('fail') fail?: string) {
    const client = OpenFeature.getClient();
    const context = { targetingKey: user };
    const newCheckout = await client.getBooleanValue('new-checkout', false, context);
    await client.getStringValue('theme', 'light', context);
    await client.getNumberValue('max-items', 10, context);
    await client.getObjectValue('layout', {}, context);
    await client.getBooleanValue('missing-flag', true, context); // not configured: the default
    await client.getBooleanValue('new-checkout', false, context); // again: counted once
    if (fail === 'always' || (fail === 'flag' && newCheckout)) throw new CheckoutFailed(`checkout failed for ${user}`);
    return { user, newCheckout };
  }

  @Get('many/:count')
  async many(@Param('count') count: string) {
    const client = OpenFeature.getClient();
    for (let i = 0; i < Number(count); i++) await client.getBooleanValue(`generated-${i}`, true);
    throw new CheckoutFailed('many flags');
  }
}

async function startApp(exporter: MemoryExporter, openFeature: HudModuleOptions['openFeature']): Promise<RunningApp> {
  @Module({
    imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: 10_000, openFeature })],
    controllers: [CheckoutController],
  })
  class AppModule {}
  return startHttpApp('express', { imports: [AppModule] });
}

describe('openFeature: flags evaluated during an invocation are its context', () => {
  const exporter = new MemoryExporter();
  let running: RunningApp;

  before(async () => {
    await OpenFeature.setProviderAndWait(new InMemoryProvider(FLAGS));
    running = await startApp(exporter, true);
  });
  after(() => running.close());

  it('a failing request’s record holds flag.<key> for each flag: booleans, strings, numbers, an object’s variant, a default', async () => {
    const response = await fetch(`${running.url}/checkout/u-2?fail=always`);
    assert.equal(response.status, 500);
    const record = await exporter.waitFor((r) => r.invocation.name === 'GET /checkout/:user');
    assert.deepEqual(record.context, {
      'flag.new-checkout': true,
      'flag.theme': 'dark',
      'flag.max-items': 50,
      'flag.layout': 'wide',
      'flag.missing-flag': true,
    });
    assert.equal(record.dropped, undefined);
  });

  it('an evaluation outside any invocation changes nothing and does not fail', async () => {
    assert.equal(await OpenFeature.getClient().getBooleanValue('new-checkout', false, { targetingKey: 'u-4' }), true);
    assert.deepEqual(getContext(), {});
  });

  it('at most maxFlags flags per invocation (20 by default)', async () => {
    exporter.clear();
    await fetch(`${running.url}/checkout/many/30`);
    const record = await exporter.waitFor((r) => r.invocation.name === 'GET /checkout/many/:count');
    assert.deepEqual(
      Object.keys(record.context),
      Array.from({ length: 20 }, (_, i) => `flag.generated-${i}`),
    );
  });

  it('suspects rank flag.new-checkout = true over 60 requests where it alone fails', async () => {
    exporter.clear();
    for (let i = 0; i < 60; i++) {
      const response = await fetch(`${running.url}/checkout/user-${i}?fail=flag`);
      await response.arrayBuffer();
    }
    // with the first test's request (u-2: the flag on, failed): 61 calls, 31 with the flag on, all failing
    const [report] = running.app.get(HudForensics).suspects({ name: 'GET /checkout/:user' });
    assert.ok(report, 'a report for the route');
    assert.equal(report.invocations, 61);
    assert.equal(report.failures, 31);
    const top = report.suspects[0];
    assert.ok(top, `a suspect: ${JSON.stringify(report)}`);
    assert.deepEqual([top.key, top.value, top.failures, top.invocations], ['flag.new-checkout', true, 31, 31]);
    assert.ok(
      !report.suspects.some((s) => s.key === 'flag.new-checkout' && s.value === false),
      'the flag off, which never fails, is no suspect',
    );
  });

  it('removes its hook when the app closes; a second app records only its own invocations', async () => {
    const other = new MemoryExporter();
    const second = await startApp(other, { maxFlags: 2 });
    try {
      await fetch(`${second.url}/checkout/u-6?fail=always`);
      const record = await other.waitFor((r) => r.invocation.name === 'GET /checkout/:user');
      assert.deepEqual(record.context, { 'flag.new-checkout': true, 'flag.theme': 'dark' }, 'its own maxFlags, and no flag twice');
    } finally {
      await second.close();
    }
    assert.equal(OpenFeature.getHooks().filter((hook) => hook instanceof HudOpenFeatureHook).length, 1, 'only the first app’s hook is left');
  });
});

describe('@openfeature/nestjs-sdk: its module, its contextFactory, and the hook', () => {
  @Controller('cart')
  class CartController {
    constructor(@OpenFeatureClient() private readonly flags: Client) {}

    /** No evaluation context here: the module's contextFactory gives it. */
    @Get()
    async cart() {
      if (await this.flags.getBooleanValue('new-checkout', false)) throw new CheckoutFailed('new checkout failed');
      return 'ok';
    }
  }

  const exporter = new MemoryExporter();
  let running: RunningApp;

  before(async () => {
    @Module({
      imports: [
        HudModule.forRoot({ exporters: [exporter], rateLimit: false, openFeature: true }),
        OpenFeatureModule.forRoot({
          defaultProvider: new InMemoryProvider(FLAGS),
          contextFactory: (context) => ({ targetingKey: String(context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-user']) }),
        }),
      ],
      controllers: [CartController],
    })
    class AppModule {}
    running = await startHttpApp('express', { imports: [AppModule] });
  });
  after(() => running.close());

  it('the flag evaluated with the contextFactory’s context lands in the failing request’s record', async () => {
    assert.equal((await fetch(`${running.url}/cart`, { headers: { 'x-user': 'u-3' } })).status, 200);
    assert.equal((await fetch(`${running.url}/cart`, { headers: { 'x-user': 'u-8' } })).status, 500);
    const record = await exporter.waitFor((r) => r.invocation.name === 'GET /cart');
    assert.deepEqual(record.context, { 'flag.new-checkout': true });
    await running.app.get(HudForensics).flush();
    assert.equal(exporter.records.length, 1);
  });
});

describe('HudOpenFeatureHook registered by the app itself', () => {
  it('records flags without the openFeature option, with its own maxFlags', async () => {
    await OpenFeature.setProviderAndWait(new InMemoryProvider(FLAGS));
    const exporter = new MemoryExporter();
    const hook = new HudOpenFeatureHook({ maxFlags: 1 });
    OpenFeature.addHooks(hook);
    const running = await startApp(exporter, undefined);
    try {
      await fetch(`${running.url}/checkout/u-1?fail=always`);
      const record = await exporter.waitFor((r) => r.invocation.name === 'GET /checkout/:user');
      assert.deepEqual(record.context, { 'flag.new-checkout': false });
    } finally {
      await running.close();
      OpenFeature.clearHooks();
    }
  });

  it('the module with openFeature: false registers nothing', async () => {
    const context = await startAppContext({ imports: [HudModule.forRoot({ openFeature: false })] });
    assert.equal(OpenFeature.getHooks().length, 0);
    await context.close();
  });
});

describe('openFeature without @openfeature/server-sdk', () => {
  it('fails start-up with a message that says what to install', async () => {
    const register = fileURLToPath(new URL('./support/hidden-packages.register.js', import.meta.url));
    const app = fileURLToPath(new URL('./support/without-openfeature.app.js', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', register, app], {
      timeout: 60_000,
      env: { ...process.env, HUD_TEST_HIDDEN_PACKAGES: '@openfeature/' },
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { sdkImport: string; startup: string };
    assert.equal(result.sdkImport, 'ERR_MODULE_NOT_FOUND', 'the package really is out of reach');
    assert.equal(
      result.startup,
      'HudModule: openFeature is on, but @openfeature/server-sdk cannot be loaded. Install it (npm install @openfeature/server-sdk) or remove the openFeature option.',
    );
  });
});
