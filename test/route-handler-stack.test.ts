import 'reflect-metadata';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Controller, Get } from '@nestjs/common';
import { HudModule, MemoryExporter } from 'nestjs-hud';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

// docs/binding.md says exactly what nestjs-hud leaves in the stack of an error a route handler
// throws: one frame named `nestjsHudRouteHandler` right below the handler's own frame when it
// throws before its first `await`, none after one, and no frame of ours named like the method.
const DIST = join(dirname(fileURLToPath(import.meta.resolve('nestjs-hud'))), '/');
const THIS_FILE = fileURLToPath(import.meta.url);

@Controller('orders')
class OrdersController {
  @Get('sync')
  create() {
    throw new Error('payment gateway timeout');
  }

  @Get('async')
  async later() {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error('payment gateway timeout, later');
  }
}

const frames = (stack: string) => stack.split('\n').filter((line) => line.trimStart().startsWith('at '));

for (const platform of PLATFORMS) {
  describe(`the stack of a route handler's error (${platform})`, () => {
    const memory = new MemoryExporter();
    let running: RunningApp;

    before(async () => {
      running = await startHttpApp(platform, {
        imports: [HudModule.forRoot({ exporters: [memory], rateLimit: false })],
        controllers: [OrdersController],
      });
    });
    after(() => running.close());

    async function stackOf(path: string, name: string): Promise<string> {
      const response = await fetch(`${running.url}/orders/${path}`);
      assert.equal(response.status, 500);
      const record = await memory.waitFor((r) => r.invocation.name === name);
      assert.ok(record.error?.stack, 'the record keeps the stack');
      return record.error.stack;
    }

    it('thrown before any await: one frame of ours, right below the handler, named nestjsHudRouteHandler', async () => {
      const stack = frames(await stackOf('sync', 'GET /orders/sync'));
      const handler = stack.findIndex((line) => line.includes('OrdersController.create') && line.includes(THIS_FILE));
      assert.ok(handler >= 0, `the handler's own frame:\n${stack.join('\n')}`);
      const ours = stack.filter((line) => line.includes(DIST));
      assert.equal(ours.length, 1, `exactly one frame of nestjs-hud:\n${stack.join('\n')}`);
      assert.equal(stack[handler + 1], ours[0]);
      assert.match(ours[0], /at OrdersController\.nestjsHudRouteHandler \(.*route-handler\.wrapper\.js:\d+:\d+\)$/);
      // (Nest's own router-proxy.js frame is named after the method too: that one is Nest's, with or without us.)
    });

    it('thrown after an await: no frame of ours', async () => {
      const stack = frames(await stackOf('async', 'GET /orders/async'));
      assert.ok(stack.some((line) => line.includes('OrdersController.later')), stack.join('\n'));
      assert.deepEqual(stack.filter((line) => line.includes(DIST)), []);
    });

    it("keeps the method's name for Nest and the app", () => {
      assert.equal(OrdersController.prototype.create.name, 'create');
      assert.equal(OrdersController.prototype.later.name, 'later');
    });
  });
}
