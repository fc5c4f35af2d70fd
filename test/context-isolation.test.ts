import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Controller,
  Get,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
  Param,
  Query,
} from '@nestjs/common';
import { getContext, HudContextService, HudForensics, HudModule, MemoryExporter, setContext } from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

const REQUESTS = 500;
const MAX_DELAY_MS = 20;

const randomDelay = () => Math.floor(Math.random() * (MAX_DELAY_MS + 1));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sets the request's id from its header, and more of it after a timer, before passing on. */
@Injectable()
class RequestIdMiddleware implements NestMiddleware {
  use(req: { headers: Record<string, string | undefined> }, _res: unknown, next: () => void) {
    const id = req.headers['x-request-id'];
    setContext({ request_id: id });
    setTimeout(() => {
      setContext({ middleware_after_timer: id });
      next();
    }, randomDelay());
  }
}

@Controller('work')
class WorkController {
  constructor(private readonly hud: HudContextService) {}

  /** Interleaves with every other request at each await; fails when asked to. */
  @Get(':id')
  async work(@Param('id') id: string, @Query('fail') fail?: string) {
    const invocationId = this.hud.invocation()?.id;
    this.hud.set('handler_id', id);
    await sleep(randomDelay());
    const seenInParts = await Promise.all(
      [0, 1, 2].map(async (part) => {
        await sleep(randomDelay());
        setContext({ [`part_${part}`]: id });
        return getContext().request_id;
      }),
    );
    await sleep(randomDelay());
    const seen = getContext();
    const consistent =
      seen.request_id === id && seenInParts.every((seenId) => seenId === id) && this.hud.invocation()?.id === invocationId;
    this.hud.set('consistent', consistent);
    if (fail === '1') throw new Error(`failed ${id}`);
    return { id, seen, consistent };
  }
}

/** What the context of request `id` must hold, and nothing else. */
function ownValues(id: string) {
  return {
    request_id: id,
    middleware_after_timer: id,
    handler_id: id,
    part_0: id,
    part_1: id,
    part_2: id,
  };
}

for (const platform of PLATFORMS) {
  describe(`context isolation on ${platform}`, () => {
    const memory = new MemoryExporter();
    let running: RunningApp;
    before(async () => {
      @Module({
        imports: [
          HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: false, maxQueueSize: 10_000 }),
        ],
        controllers: [WorkController],
      })
      class AppModule implements NestModule {
        configure(consumer: MiddlewareConsumer) {
          consumer.apply(RequestIdMiddleware).forRoutes('*');
        }
      }
      running = await startHttpApp(platform, { imports: [AppModule] });
    });
    after(() => running.close());

    it(`keeps each of ${REQUESTS} concurrent requests with random delays to its own context`, async () => {
      const run = Math.random().toString(36).slice(2, 8);
      const requests = Array.from({ length: REQUESTS }, (_, i) => ({ id: `${run}-${i}`, fails: i % 2 === 1 }));
      const responses = await Promise.all(
        requests.map(async ({ id, fails }) => {
          const response = await fetch(`${running.url}/work/${id}${fails ? '?fail=1' : ''}`, {
            headers: { 'x-request-id': id },
          });
          return { id, fails, status: response.status, body: (await response.json()) as any };
        }),
      );

      for (const { id, fails, status, body } of responses) {
        if (fails) {
          assert.equal(status, 500, id);
          assert.deepEqual(body, { statusCode: 500, message: 'Internal server error' });
        } else {
          assert.equal(status, 200, id);
          assert.deepEqual(body, { id, seen: ownValues(id), consistent: true }, `what request ${id} saw inside`);
        }
      }

      await running.app.get(HudForensics).flush();
      const records = memory.records.filter((r) => r.invocation.http?.url.startsWith(`/work/${run}-`));
      const failing = requests.filter((r) => r.fails);
      assert.equal(records.length, failing.length, 'one record per failing request, none for the others');
      const byId = new Map(records.map((r) => [r.invocation.http!.url.slice('/work/'.length), r]));
      for (const { id } of failing) {
        const record = byId.get(id);
        assert.ok(record, `a record for ${id}`);
        assert.equal(record.trigger, 'error');
        assert.equal(record.error?.message, `failed ${id}`);
        assert.equal(record.invocation.name, 'GET /work/:id');
        assert.deepEqual(record.context, { ...ownValues(id), consistent: true }, `the record of ${id} holds only its own values`);
        assert.equal(record.dropped, undefined);
      }
    });
  });
}
