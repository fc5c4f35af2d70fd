import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import type { ForensicsRecord } from 'nestjs-hud';
import { startHudContextApp, type HudContextApp } from './support/hud-context-app.js';

// `logger.log(order)` inside a request: the line becomes a breadcrumb. Serialising the object
// there would cost the request (14 ms for a 1.2 MB object) and run its getters (an ORM
// entity's lazy relation can query the database). The object is described only if the
// invocation is recorded, within the message cap, without calling any getter.

const MAX_MESSAGE_LENGTH = 512;
const orders = new Logger('Orders');

/** An entity as an ORM hands it out: data, a lazy relation behind a getter, a big list. */
class OrderEntity {
  static customerReads = 0;
  id = 'order-7';
  lines = Array.from({ length: 20_000 }, (_, i) => ({ sku: `sku-${i}`, quantity: i % 5, note: 'n'.repeat(40) }));
  get customer(): unknown {
    OrderEntity.customerReads++;
    throw new Error('a lazy relation must not be loaded by logging');
  }
}

let app: HudContextApp;
before(async () => {
  app = await startHudContextApp({ slowThresholdMs: false });
});
after(() => app.close());

async function recordOf(name: string, fn: () => void): Promise<ForensicsRecord> {
  await app.fail(name, () => {
    fn();
    throw new Error('checkout failed');
  });
  return app.exporter.waitFor((r) => r.invocation.name === name);
}

describe('an object logged through Nest Logger inside an invocation', () => {
  it('becomes a bounded breadcrumb, described without calling a getter, own or inherited', async () => {
    const order = new OrderEntity();
    let ownGetterReads = 0;
    Object.defineProperty(order, 'total', {
      enumerable: true,
      get() {
        ownGetterReads++;
        return 42;
      },
    });
    const record = await recordOf('log-entity', () => orders.log(order));
    const message = record.breadcrumbs?.[0]?.message ?? '';
    assert.equal(OrderEntity.customerReads, 0, 'the prototype getter (a lazy relation) was never called');
    assert.equal(ownGetterReads, 0, 'the own getter was never called');
    assert.ok(message.length <= MAX_MESSAGE_LENGTH, `message of ${message.length} characters`);
    assert.ok(message.startsWith('{"id":"order-7","lines":[{"sku":"sku-0","quantity":0,'), message.slice(0, 80));
    assert.ok(message.endsWith('…'), 'it says it was cut');
  });

  it('describes plain data as JSON does, and names cycles, Proxies and binary data instead of reading them', async () => {
    const cyclic: Record<string, unknown> = { name: 'cart', count: 2, tags: ['a', 'b'], nothing: null, skipped: undefined };
    cyclic.self = cyclic;
    let trapCalls = 0;
    const proxy = new Proxy({}, {
      get() {
        trapCalls++;
        throw new Error('trap');
      },
      ownKeys() {
        trapCalls++;
        throw new Error('trap');
      },
    });
    const record = await recordOf('log-shapes', () => {
      orders.log({ plain: { a: 1, b: 'two', c: true } });
      orders.warn(cyclic);
      orders.log({ proxy, bytes: Buffer.alloc(3), at: new Date(0) });
      orders.log({ total: 3, get lazy() { return trapCalls++; } });
    });
    assert.deepEqual(record.breadcrumbs?.map((crumb) => crumb.message), [
      '{"plain":{"a":1,"b":"two","c":true}}',
      '{"name":"cart","count":2,"tags":["a","b"],"nothing":null,"self":"[Circular]"}',
      '{"proxy":"[Proxy]","bytes":"[3 bytes]","at":"1970-01-01T00:00:00.000Z"}',
      '{"total":3,"lazy":"[Getter]"}',
    ]);
    assert.equal(trapCalls, 0, "no Proxy trap nor getter ran (each is the app's code)");
  });

  it('describes a thrown object that is no Error the same way: bounded, getters not called', async () => {
    let reads = 0;
    const thrown = {
      code: 'E_PAYMENT',
      payload: 'p'.repeat(100_000),
      get detail() {
        reads++;
        return 'expensive';
      },
    };
    await app.fail('throw-object', () => {
      throw thrown;
    });
    const record = await app.exporter.waitFor((r) => r.invocation.name === 'throw-object');
    assert.equal(record.error?.name, 'NonErrorThrown');
    assert.ok(record.error!.message.startsWith('{"code":"E_PAYMENT","payload":"ppp'));
    assert.equal(record.error!.message.length, 8192, 'cut to the message cap');
    assert.equal(reads, 0, 'the getter was never called');
  });
});
