import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Injectable } from '@nestjs/common';
import { getContext, HudContext, HudContextService, HudModule, MemoryExporter, setContext, type HudContextHandle } from 'nestjs-hud';
import { startHttpApp, type RunningApp } from './support/http-app.js';

// A declared context shape, as nestjs-cls's ClsService<MyStore>: HudContextService<C>,
// HudContextHandle<C>, setContext<C>() and getContext<C>() are checked by the compiler.
// This file is compiled by `npm run build:all` (tsconfig.json): every `@ts-expect-error`
// line below must be an error, or the build fails, so each line is a test that cannot pass
// by accident. The runtime part checks that the typed service is the same service.

interface OrdersContext {
  client_id: string;
  user_tier: 'free' | 'pro';
  order_items?: number;
  flags?: string[];
}

/** Never called: only compiled. Each line after a `@ts-expect-error` must not compile. */
export function mustNotCompile(hud: HudContextService<OrdersContext>, handle: HudContextHandle<OrdersContext>): void {
  // @ts-expect-error a key the shape does not declare
  hud.set({ plan: 'gold' });
  // @ts-expect-error a value of the wrong type
  hud.set({ user_tier: 'gold' });
  // @ts-expect-error a value of the wrong type, one key
  hud.set('order_items', 'three');
  // @ts-expect-error reading a key the shape does not declare
  hud.get('plan');
  // @ts-expect-error a declared key is not always set
  const sure: string = hud.getAll().client_id;
  // @ts-expect-error setContext<C> checks values too
  setContext<OrdersContext>({ client_id: 42 });
  // @ts-expect-error and keys
  setContext<OrdersContext>({ plan: 'gold' });
  // @ts-expect-error the handle is typed as well
  handle.set('user_tier', 'enterprise');
  // @ts-expect-error a shape whose values are not context values
  setContext<{ when: Date }>({});
  void sure;
}

@Injectable()
class PricingService {
  constructor(private readonly hud: HudContextService<OrdersContext>) {}

  price(items: number): number {
    this.hud.set({ order_items: items });
    this.hud.set('user_tier', 'pro');
    const tier: 'free' | 'pro' | undefined = this.hud.get('user_tier');
    const all: Readonly<Partial<OrdersContext>> = this.hud.getAll();
    return tier === 'pro' && all.order_items !== undefined ? items * 90 : items * 100;
  }
}

@Controller('orders')
class OrdersController {
  constructor(
    private readonly pricing: PricingService,
    private readonly untyped: HudContextService,
  ) {}

  @Get()
  list(@HudContext() hud: HudContextHandle<OrdersContext>) {
    setContext<OrdersContext>({ client_id: 'acme', flags: ['beta'], order_items: null });
    hud.set('user_tier', 'free');
    const price = this.pricing.price(3);
    // Without a declared shape everything compiles as it always did.
    this.untyped.set({ anything: 'goes', n: 1 });
    const tags: string[] | undefined = this.untyped.get<string[]>('tags');
    const all: Readonly<Record<string, string | number | boolean | string[] | number[] | boolean[]>> = getContext();
    const typed: Readonly<Partial<OrdersContext>> = getContext<OrdersContext>();
    return { price, tags: tags ?? null, keys: Object.keys(all).sort(), tier: typed.user_tier ?? null };
  }
}

describe('a declared context shape', () => {
  const memory = new MemoryExporter();
  let running: RunningApp;
  before(async () => {
    running = await startHttpApp('express', {
      imports: [HudModule.forRoot({ exporters: [memory] })],
      controllers: [OrdersController],
      providers: [PricingService],
    });
  });
  after(() => running.close());

  it('injects the one HudContextService, whatever its type says, and writes to the same context', async () => {
    const response = await fetch(`${running.url}/orders`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      price: 270,
      tags: null,
      keys: ['anything', 'client_id', 'flags', 'n', 'order_items', 'user_tier'],
      tier: 'pro',
    });
  });
});
