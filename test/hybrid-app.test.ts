import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Controller,
  Injectable,
  Post,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { MessagePattern, Payload, type ClientProxy } from '@nestjs/microservices';
import { HudContext, HudForensics, HudModule, MemoryExporter, SetHudContext, setContext, type HudContextHandle } from 'nestjs-hud';
import { firstValueFrom } from 'rxjs';
import { uniqueName } from './support/redis.js';
import { outcomeOf, startHybridApp, type RunningHybridApp } from './support/rpc-app.js';

@Injectable()
class TenantGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    setContext({ tenant: ctx.switchToRpc().getData<{ tenant: string }>().tenant });
    return true;
  }
}

/** The HTTP side calls the microservice of its own process through this client. */
let inProcessClient: ClientProxy | undefined;

function hybridControllers(run: string) {
  const P = { reserve: `${run}.stock.reserve`, ping: `${run}.ping` };

  @Controller('checkout')
  class CheckoutController {
    @Post()
    @SetHudContext({ side: 'http' })
    async checkout(@HudContext() hud: HudContextHandle) {
      hud.set('http_only', true);
      try {
        await firstValueFrom(inProcessClient!.send(P.reserve, { tenant: 'acme', sku: 'sku-1' }));
      } catch {
        throw new Error('checkout failed: stock service refused');
      }
    }
  }

  @Controller()
  class StockController {
    @MessagePattern(P.reserve)
    @UseGuards(TenantGuard)
    @SetHudContext((ctx) => ({ side: 'rpc', sku: ctx.switchToRpc().getData<{ sku: string }>().sku }))
    reserve(@Payload() _data: unknown, @HudContext() hud: HudContextHandle) {
      hud.set('rpc_only', true);
      throw new Error('no stock left');
    }

    @MessagePattern(P.ping)
    ping() {
      return 'pong';
    }
  }

  return { P, controllers: [CheckoutController, StockController] };
}

describe('hybrid app (HTTP + TCP microservice) with inheritAppConfig', () => {
  const exporter = new MemoryExporter();
  const { P, controllers } = hybridControllers(uniqueName('hud-hybrid'));
  let running: RunningHybridApp;
  before(async () => {
    running = await startHybridApp(
      { imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false })], controllers },
      { inheritAppConfig: true },
    );
    inProcessClient = running.client;
  });
  after(() => running?.close());

  it('an HTTP request and the message it sends are two invocations, each with its own kind and context', async () => {
    const response = await fetch(`${running.url}/checkout`, { method: 'POST' });
    assert.equal(response.status, 500);
    const http = await exporter.waitFor((r) => r.invocation.kind === 'http');
    const rpc = await exporter.waitFor((r) => r.invocation.kind === 'rpc');
    assert.equal(http.invocation.name, 'POST /checkout');
    assert.equal(http.error?.message, 'checkout failed: stock service refused');
    assert.deepEqual(http.context, { side: 'http', http_only: true });
    assert.equal(rpc.invocation.name, P.reserve);
    assert.deepEqual(rpc.invocation.rpc, { pattern: P.reserve, transport: 'TCP' });
    assert.equal(rpc.error?.message, 'no stock left');
    assert.deepEqual(rpc.context, { tenant: 'acme', side: 'rpc', sku: 'sku-1', rpc_only: true });
    await running.app.get(HudForensics).flush();
    assert.equal(exporter.records.length, 2);
  });
});

describe('hybrid app without inheritAppConfig', () => {
  // Nest applies no global enhancer to a connected microservice here; nestjs-hud does not
  // rely on one: its interceptor is a class interceptor of the microservice controller.
  const exporter = new MemoryExporter();
  const { P, controllers } = hybridControllers(uniqueName('hud-hybrid-plain'));
  let running: RunningHybridApp;
  before(async () => {
    running = await startHybridApp(
      { imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false })], controllers },
      { inheritAppConfig: false },
    );
  });
  after(() => running?.close());

  it('records each failing message with its decorators, guard and handler context, and the original error', async () => {
    const outcome = await outcomeOf(running.client, P.reserve, { tenant: 'globex', sku: 'sku-2' });
    assert.deepEqual(outcome, { error: { status: 'error', message: 'Internal server error' } });
    const record = await exporter.waitFor((r) => r.invocation.name === P.reserve);
    assert.equal(record.invocation.kind, 'rpc');
    assert.equal(record.trigger, 'error');
    assert.deepEqual(record.context, { tenant: 'globex', side: 'rpc', sku: 'sku-2', rpc_only: true });
    assert.equal(record.error?.message, 'no stock left');
  });
});
