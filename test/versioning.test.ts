import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Version, VERSION_NEUTRAL, VersioningType, type VersioningOptions } from '@nestjs/common';
import { HudForensics, HudModule, MemoryExporter, setContext } from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type Platform, type RunningApp } from './support/http-app.js';

/** Every handler fails, saying which one ran, so each request leaves one record. */
function versionedControllers() {
  @Controller('cats')
  class CatsController {
    @Get(':id')
    @Version('1')
    one() {
      setContext({ handler: 'one' });
      throw new Error('cats v1 broke');
    }

    @Get(':id')
    @Version('2')
    two() {
      setContext({ handler: 'two' });
      throw new Error('cats v2 broke');
    }

    @Get(':id')
    @Version(['3', '4'])
    threeOrFour() {
      setContext({ handler: 'threeOrFour' });
      throw new Error('cats v3/v4 broke');
    }

    @Get(':id')
    @Version('beta')
    beta() {
      setContext({ handler: 'beta' });
      throw new Error('cats beta broke');
    }

    @Get(':id')
    @Version(VERSION_NEUTRAL)
    neutral() {
      setContext({ handler: 'neutral' });
      throw new Error('cats neutral broke');
    }
  }

  /** No @Version: the app's defaultVersion applies. */
  @Controller('dogs')
  class DogsController {
    @Get(':id')
    find() {
      setContext({ handler: 'dogs' });
      throw new Error('dogs broke');
    }
  }
  return [CatsController, DogsController];
}

function startVersionedApp(platform: Platform, versioning: VersioningOptions, exporter: MemoryExporter): Promise<RunningApp> {
  return startHttpApp(
    platform,
    {
      imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: false })],
      controllers: versionedControllers(),
    },
    (app) => void app.enableVersioning(versioning),
  );
}

interface Scheme {
  label: string;
  versioning: VersioningOptions;
  /** The request headers that ask for `version`; none for no version at all. */
  ask(version?: string): Record<string, string>;
}

const SCHEMES: Scheme[] = [
  {
    label: 'header versioning',
    versioning: { type: VersioningType.HEADER, header: 'X-API-Version', defaultVersion: '1' },
    ask: (version): Record<string, string> => (version === undefined ? {} : { 'x-api-version': version }),
  },
  {
    label: 'media-type versioning',
    versioning: { type: VersioningType.MEDIA_TYPE, key: 'v=', defaultVersion: '1' },
    ask: (version) => ({ accept: version === undefined ? 'application/json' : `application/json;v=${version}` }),
  },
];

for (const platform of PLATFORMS) {
  for (const scheme of SCHEMES) {
    describe(`${scheme.label} on ${platform}`, () => {
      const exporter = new MemoryExporter();
      let running: RunningApp;

      before(async () => {
        running = await startVersionedApp(platform, scheme.versioning, exporter);
      });
      after(() => running?.close());

      /** Sends one request and returns the name of the one record it left, and which handler ran. */
      async function nameOf(path: string, version?: string): Promise<{ name: string; handler: unknown }> {
        exporter.clear();
        const response = await fetch(`${running.url}${path}`, { headers: scheme.ask(version) });
        assert.equal(response.status, 500, `${path} v${version ?? '-'}`);
        await running.app.get(HudForensics).flush();
        assert.equal(exporter.records.length, 1, `${path} v${version ?? '-'}: one record`);
        const record = exporter.records[0]!;
        return { name: record.invocation.name, handler: record.context.handler };
      }

      it('names a route with the version that served it', async () => {
        assert.deepEqual(await nameOf('/cats/7', '1'), { name: 'GET /cats/:id (v1)', handler: 'one' });
        assert.deepEqual(await nameOf('/cats/7', '2'), { name: 'GET /cats/:id (v2)', handler: 'two' });
        assert.deepEqual(await nameOf('/cats/7', 'beta'), { name: 'GET /cats/:id (beta)', handler: 'beta' }, 'a word stays a word');
      });

      it('names a route of several versions with the one the client asked for', async () => {
        assert.deepEqual(await nameOf('/cats/7', '3'), { name: 'GET /cats/:id (v3)', handler: 'threeOrFour' });
        assert.deepEqual(await nameOf('/cats/7', '4'), { name: 'GET /cats/:id (v4)', handler: 'threeOrFour' });
      });

      it('names a version-neutral route without a version', async () => {
        assert.deepEqual(await nameOf('/cats/7'), { name: 'GET /cats/:id', handler: 'neutral' });
      });

      it("names a route without @Version with the app's default version", async () => {
        assert.deepEqual(await nameOf('/dogs/7', '1'), { name: 'GET /dogs/:id (v1)', handler: 'dogs' });
      });
    });
  }

  describe(`custom versioning on ${platform}`, () => {
    const exporter = new MemoryExporter();
    let running: RunningApp;

    before(async () => {
      const extractor = (req: unknown) => String((req as { headers: Record<string, unknown> }).headers['x-version'] ?? '');
      running = await startVersionedApp(platform, { type: VersioningType.CUSTOM, extractor }, exporter);
    });
    after(() => running?.close());

    it('names a route with its version, and a route of several with all of them: only the extractor knows which', async () => {
      for (const [version, name] of [
        ['2', 'GET /cats/:id (v2)'],
        ['4', 'GET /cats/:id (v3,v4)'],
      ] as const) {
        const response = await fetch(`${running.url}/cats/7`, { headers: { 'x-version': version } });
        assert.equal(response.status, 500);
        const record = await exporter.waitFor((r) => r.error?.message.includes(`v${version}`) === true);
        assert.equal(record.invocation.name, name, version);
      }
    });
  });

  describe(`URI versioning on ${platform}`, () => {
    const exporter = new MemoryExporter();
    let running: RunningApp;

    before(async () => {
      running = await startVersionedApp(platform, { type: VersioningType.URI }, exporter);
    });
    after(() => running?.close());

    it('names a route by its path, which holds the version already', async () => {
      const response = await fetch(`${running.url}/v2/cats/7`);
      assert.equal(response.status, 500);
      const record = await exporter.waitFor((r) => r.context.handler === 'two');
      assert.equal(record.invocation.name, 'GET /v2/cats/:id');
    });
  });
}
