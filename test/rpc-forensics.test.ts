import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Controller,
  Injectable,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import { EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import {
  HudContext,
  HudForensics,
  HudModule,
  HudSlowThreshold,
  MemoryExporter,
  SetHudContext,
  setContext,
  type ForensicsRecord,
  type HudContextHandle,
} from 'nestjs-hud';
import { lastValueFrom, throwError } from 'rxjs';
import { uniqueName } from './support/redis.js';
import { deferred, outcomeOf, RPC_TRANSPORTS, startMicroservice, type RunningMicroservice } from './support/rpc-app.js';

class PaymentTimeout extends Error {
  override name = 'PaymentTimeout';
}

interface Order {
  orderId: string;
  clientId: string;
  items: string[];
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Event handlers tell the test they ran; a test waits for its own event id. */
const eventSeen = new Map<string, () => void>();
function expectEvent(id: string): Promise<void> {
  const { promise, signal } = deferred();
  eventSeen.set(id, signal);
  return promise;
}

/** The channel, topic or subject the message came on, read from the transport's own context. */
function channelOf(ctx: ExecutionContext): string {
  const rpc = ctx.switchToRpc().getContext<Partial<Record<'getPattern' | 'getChannel' | 'getTopic' | 'getSubject', () => string>>>();
  return rpc.getPattern?.() ?? rpc.getChannel?.() ?? rpc.getTopic?.() ?? rpc.getSubject?.() ?? '?';
}

@Injectable()
class ClientGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    setContext({ client_id: ctx.switchToRpc().getData<Partial<Order>>().clientId });
    return true;
  }
}

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    setContext({ client_id: ctx.switchToRpc().getData<Partial<Order>>().clientId, denied_by: 'DenyGuard' });
    return false;
  }
}

@Injectable()
class StepInterceptor implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler) {
    setContext({ interceptor_ran: true });
    return next.handle();
  }
}

@Injectable()
class CountItemsPipe implements PipeTransform {
  transform(order: Order) {
    setContext({ pipe_items: order.items.length });
    return order;
  }
}

function patternsOf(run: string) {
  return {
    checkout: `${run}.orders.checkout`,
    denied: `${run}.orders.denied`,
    stock: `${run}.orders.stock`,
    stream: `${run}.orders.stream`,
    rejected: `${run}.orders.rejected`,
    ok: `${run}.orders.ok`,
    sum: { run, cmd: 'orders.sum' },
    shipped: `${run}.events.shipped`,
    viewed: `${run}.events.viewed`,
    slowMethod: `${run}.slow.method`,
    slowClass: `${run}.slow.class`,
    slowOff: `${run}.slow.off`,
    slowEvent: `${run}.events.audited`,
  };
}

/** The app's controllers, on patterns of their own (two apps on one Redis must not meet). */
function rpcControllers(run: string) {
  const P = patternsOf(run);

  @Controller()
  @SetHudContext({ feature: 'orders-rpc', layer: 'class' })
  class OrdersRpcController {
    @MessagePattern(P.checkout)
    @UseGuards(ClientGuard)
    @UseInterceptors(StepInterceptor)
    @SetHudContext((ctx) => ({
      layer: 'method',
      order_id: ctx.switchToRpc().getData<Order>().orderId,
      via: channelOf(ctx),
    }))
    checkout(
      @Payload(CountItemsPipe) order: Order,
      @HudContext() hud: HudContextHandle,
      @HudContext('client_id') clientId?: string,
    ) {
      hud.set({ order_items: order.items.length, seen_client: clientId ?? 'none' });
      throw new PaymentTimeout('payment gateway timeout');
    }

    @MessagePattern(P.denied)
    @UseGuards(DenyGuard)
    denied() {
      return 'never';
    }

    @MessagePattern(P.stock)
    stock() {
      setContext({ step: 'stock' });
      throw new RpcException({ code: 'E_STOCK', message: 'out of stock' });
    }

    @MessagePattern(P.stream)
    stream() {
      setContext({ step: 'stream' });
      return throwError(() => new Error('stream broke'));
    }

    @MessagePattern(P.rejected)
    async rejected() {
      await delay(5);
      setContext({ step: 'rejected' });
      throw new RpcException('rejected later');
    }

    @MessagePattern(P.ok)
    @UseGuards(ClientGuard)
    ok(@HudContext() hud: HudContextHandle, @HudContext('client_id') clientId?: string) {
      hud.set('ok', true);
      return { clientId: clientId ?? null, context: hud.getAll() };
    }

    @MessagePattern(P.sum)
    sum(@Payload() data: { values: number[] }) {
      setContext({ values: data.values });
      throw new Error('sum overflow');
    }

    @MessagePattern(P.slowMethod)
    @HudSlowThreshold(30)
    async slowMethod() {
      await delay(120);
      return 'done';
    }

    @EventPattern<string>(P.shipped)
    @SetHudContext((ctx) => ({ shipment_id: ctx.switchToRpc().getData<{ id: string }>().id, via: channelOf(ctx) }))
    shipped(
      @Payload() event: { id: string; carrier: string },
      @HudContext() hud: HudContextHandle,
      @HudContext('shipment_id') shipmentId?: string,
    ) {
      hud.set('carrier', event.carrier);
      eventSeen.get(event.id)?.();
      throw new Error(`carrier ${event.carrier} rejected ${shipmentId}`);
    }

    @EventPattern<string>(P.slowEvent)
    @HudSlowThreshold(30)
    async audited(@Payload() event: { id: string }) {
      await delay(120);
      eventSeen.get(event.id)?.();
    }

    @EventPattern<string>(P.viewed)
    viewed(@Payload() event: { id: string }) {
      setContext({ viewed: event.id });
      eventSeen.get(event.id)?.();
    }
  }

  @Controller()
  @HudSlowThreshold(30)
  class SlowRpcController {
    @MessagePattern(P.slowClass)
    async slowClass() {
      await delay(120);
      return 'done';
    }

    @MessagePattern(P.slowOff)
    @HudSlowThreshold(false)
    async slowOff() {
      await delay(120);
      return 'done';
    }
  }

  return { P, controllers: [OrdersRpcController, SlowRpcController] };
}

for (const transport of RPC_TRANSPORTS) {
  describe(`microservice forensics over ${transport}`, () => {
    const exporter = new MemoryExporter();
    const { P, controllers } = rpcControllers(uniqueName('hud-rpc'));
    const plain = rpcControllers(uniqueName('hud-plain'));
    let hud: RunningMicroservice;
    let withoutHud: RunningMicroservice;

    before(async () => {
      hud = await startMicroservice(transport, {
        // no default slowness: only @HudSlowThreshold makes duration records, whatever the machine's load
        imports: [HudModule.forRoot({ service: 'orders-rpc', exporters: [exporter], rateLimit: false, slowThresholdMs: false })],
        controllers,
      });
      withoutHud = await startMicroservice(transport, { controllers: plain.controllers });
    });
    after(async () => {
      await hud?.close();
      await withoutHud?.close();
    });

    const flush = () => hud.app.get(HudForensics).flush();
    const recordsNamed = (name: string): ForensicsRecord[] => exporter.records.filter((r) => r.invocation.name === name);
    const recordFor = (name: string) => exporter.waitFor((r) => r.invocation.name === name);

    it('records a failing request once, with the context of its guard, interceptor, pipe, decorators and handler', async () => {
      const outcome = await outcomeOf(hud.client, P.checkout, { orderId: 'o-1', clientId: 'acme', items: ['a', 'b'] });
      assert.ok('error' in outcome);
      const record = await recordFor(P.checkout);
      assert.equal(record.trigger, 'error');
      assert.equal(record.service, 'orders-rpc');
      assert.equal(record.invocation.kind, 'rpc');
      assert.deepEqual(record.invocation.rpc, { pattern: P.checkout, transport });
      assert.equal(record.error?.name, 'PaymentTimeout', 'the original error, not what the client was sent');
      assert.equal(record.error?.message, 'payment gateway timeout');
      assert.deepEqual(record.context, {
        client_id: 'acme', // guard, before any interceptor
        feature: 'orders-rpc', // class-level @SetHudContext
        layer: 'method', // method-level @SetHudContext wins
        order_id: 'o-1', // function form, from the payload
        via: P.checkout, // function form, from the transport's context
        interceptor_ran: true,
        pipe_items: 2,
        order_items: 2, // @HudContext() handle
        seen_client: 'acme', // @HudContext('client_id')
      });
      await flush();
      assert.equal(recordsNamed(P.checkout).length, 1);
    });

    it('records each kind of failure once: guard refusal, RpcException, erroring Observable, rejected promise', async () => {
      const cases = [
        { pattern: P.denied, message: 'Forbidden resource', context: { client_id: 'acme', denied_by: 'DenyGuard' } },
        { pattern: P.stock, message: 'out of stock', context: { feature: 'orders-rpc', layer: 'class', step: 'stock' } },
        { pattern: P.stream, message: 'stream broke', context: { feature: 'orders-rpc', layer: 'class', step: 'stream' } },
        { pattern: P.rejected, message: 'rejected later', context: { feature: 'orders-rpc', layer: 'class', step: 'rejected' } },
      ];
      for (const { pattern, message, context } of cases) {
        const outcome = await outcomeOf(hud.client, pattern, { clientId: 'acme' });
        assert.ok('error' in outcome, pattern);
        const record = await recordFor(pattern);
        assert.equal(record.trigger, 'error', pattern);
        assert.equal(record.error?.message, message, pattern);
        assert.deepEqual(record.context, context, pattern);
      }
      await flush();
      for (const { pattern } of cases) assert.equal(recordsNamed(pattern).length, 1, pattern);
    });

    it('names an object pattern by its JSON with sorted keys', async () => {
      const name = JSON.stringify({ cmd: P.sum.cmd, run: P.sum.run });
      // the client writes the keys in another order: still the one handler, and one name
      const outcome = await outcomeOf(hud.client, { cmd: P.sum.cmd, run: P.sum.run }, { values: [1, 2] });
      assert.ok('error' in outcome);
      const record = await recordFor(name);
      assert.deepEqual(record.invocation.rpc, { pattern: name, transport });
      assert.equal(record.error?.message, 'sum overflow');
      assert.deepEqual(record.context, { feature: 'orders-rpc', layer: 'class', values: [1, 2] });
    });

    it('sends the client exactly the error it gets without nestjs-hud', async () => {
      const names = ['checkout', 'denied', 'stock', 'stream', 'rejected', 'sum'] as const;
      for (const name of names) {
        const payload = { orderId: 'o-2', clientId: 'acme', items: ['a'], values: [3] };
        const withModule = await outcomeOf(hud.client, P[name], payload);
        const without = await outcomeOf(withoutHud.client, plain.P[name], payload);
        assert.ok('error' in without, name);
        assert.deepEqual(withModule, without, name);
      }
    });

    it('records a failing event handler once, with its decorators and handle', async () => {
      const seen = expectEvent('s-1');
      await lastValueFrom(hud.client.emit(P.shipped, { id: 's-1', carrier: 'acme-post' }), { defaultValue: undefined });
      await seen;
      const record = await recordFor(P.shipped);
      assert.equal(record.trigger, 'error');
      assert.deepEqual(record.invocation.rpc, { pattern: P.shipped, transport });
      assert.equal(record.error?.message, 'carrier acme-post rejected s-1', '@HudContext(key) saw the @SetHudContext value');
      assert.deepEqual(record.context, {
        feature: 'orders-rpc',
        layer: 'class',
        shipment_id: 's-1',
        via: P.shipped,
        carrier: 'acme-post',
      });
      await flush();
      assert.equal(recordsNamed(P.shipped).length, 1);
    });

    it('records nothing for successful requests and events, and injects @HudContext into them', async () => {
      const seen = expectEvent('v-1');
      await lastValueFrom(hud.client.emit(P.viewed, { id: 'v-1' }), { defaultValue: undefined });
      const outcome = await outcomeOf(hud.client, P.ok, { clientId: 'initech' });
      assert.deepEqual(outcome, {
        value: { clientId: 'initech', context: { feature: 'orders-rpc', layer: 'class', client_id: 'initech', ok: true } },
      });
      await seen;
      await delay(50); // the event's invocation completes just after its handler returns
      await flush();
      assert.deepEqual(recordsNamed(P.ok), []);
      assert.deepEqual(recordsNamed(P.viewed), []);
    });

    it('records slow requests and events with trigger duration, following @HudSlowThreshold on the method and the class', async () => {
      const audited = expectEvent('a-1');
      await lastValueFrom(hud.client.emit(P.slowEvent, { id: 'a-1' }), { defaultValue: undefined });
      for (const pattern of [P.slowMethod, P.slowClass, P.slowOff]) {
        assert.deepEqual(await outcomeOf(hud.client, pattern, {}), { value: 'done' });
      }
      await audited;
      const byEvent = await recordFor(P.slowEvent);
      assert.equal(byEvent.trigger, 'duration');
      assert.ok(byEvent.durationMs >= 100, `durationMs ${byEvent.durationMs}`);
      const byMethod = await recordFor(P.slowMethod);
      assert.equal(byMethod.trigger, 'duration');
      assert.ok(byMethod.durationMs >= 100, `durationMs ${byMethod.durationMs}`);
      const byClass = await recordFor(P.slowClass);
      assert.equal(byClass.trigger, 'duration');
      await flush();
      assert.deepEqual(recordsNamed(P.slowOff), [], '@HudSlowThreshold(false) on the method wins over the class');
    });
  });
}
