import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Headers } from '@nestjs/common';
import { ClsModule, ClsService } from 'nestjs-cls';
import { getContext, HudForensics, setContext } from 'nestjs-hud';
import { expectRecord, HudTestingModule, MemoryExporter } from 'nestjs-hud/testing';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

@Controller('both')
class BothController {
  constructor(private readonly cls: ClsService) {}

  @Get()
  async both(@Headers('x-delay') delay: string) {
    setContext({ handler: 'both' });
    this.cls.set('cls_only', `cls-${this.cls.get('tenant')}`);
    await new Promise((resolve) => setTimeout(resolve, Number(delay))); // interleave requests
    // a nested ClsService.run does not hide the hud context, and the other way round
    const insideClsRun = await this.cls.run(async () => {
      this.cls.set('inner', true);
      return getContext();
    });
    return {
      hud: getContext(),
      insideClsRun,
      tenant: this.cls.get('tenant'),
      clsOnly: this.cls.get('cls_only'),
      clsId: this.cls.getId(),
    };
  }

  @Get('fail')
  fail() {
    this.cls.set('cls_only', 'on-failure');
    setContext({ handler: 'fail' });
    throw new Error(`failed for tenant ${this.cls.get('tenant')}`);
  }
}

interface BothBody {
  hud: Record<string, unknown>;
  insideClsRun: Record<string, unknown>;
  tenant: string;
  clsOnly: string;
  clsId: string;
}

for (const platform of PLATFORMS) {
  describe(`nestjs-cls and nestjs-hud in one app on ${platform}`, () => {
    let running: RunningApp;
    before(async () => {
      running = await startHttpApp(platform, {
        imports: [
          ClsModule.forRoot({
            global: true,
            middleware: {
              mount: true,
              generateId: true,
              setup: (cls, req: { headers: Record<string, string | undefined> }) => cls.set('tenant', req.headers['x-tenant']),
            },
          }),
          HudTestingModule.forRoot({ fromHeaders: { client_id: 'x-client-id' } }),
        ],
        controllers: [BothController],
      });
    });
    after(() => running.close());

    it('gives each library its own context, per request, under concurrency', async () => {
      const requests = Array.from({ length: 12 }, (_, i) =>
        fetch(`${running.url}/both`, {
          headers: { 'x-client-id': `client-${i}`, 'x-tenant': `tenant-${i}`, 'x-delay': String((12 - i) % 4) },
        }).then((r) => r.json() as Promise<BothBody>),
      );
      const bodies = await Promise.all(requests);
      const clsIds = new Set<string>();
      bodies.forEach((body, i) => {
        assert.deepEqual(body.hud, { client_id: `client-${i}`, handler: 'both' }, 'hud holds only its own keys');
        assert.deepEqual(body.insideClsRun, body.hud);
        assert.equal(body.tenant, `tenant-${i}`);
        assert.equal(body.clsOnly, `cls-tenant-${i}`);
        clsIds.add(body.clsId);
      });
      assert.equal(clsIds.size, 12, 'nestjs-cls still gives every request its own store');
    });

    it("records the failure with hud's context only, while nestjs-cls worked in the same handler", async () => {
      const response = await fetch(`${running.url}/both/fail`, { headers: { 'x-client-id': 'acme', 'x-tenant': 'blue' } });
      assert.equal(response.status, 500);
      const record = await expectRecord(running.app.get(MemoryExporter), {
        invocation: { name: 'GET /both/fail' },
        error: { message: 'failed for tenant blue' },
      });
      assert.deepEqual(record.context, { client_id: 'acme', handler: 'fail' });
      await running.app.get(HudForensics).flush();
    });
  });
}
