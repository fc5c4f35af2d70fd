import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patternName, transportName, transportOfRpcContext } from '../../lib/binding/rpc/rpc-pattern.name.js';

describe('RPC invocation names and transports', () => {
  it('names a pattern: a string as it is, an object as JSON with sorted keys at every depth', () => {
    assert.equal(patternName('orders.create'), 'orders.create');
    assert.equal(patternName({ v: 1, cmd: 'sum' }), patternName({ cmd: 'sum', v: 1 }));
    assert.equal(patternName({ v: 1, cmd: 'sum' }), '{"cmd":"sum","v":1}');
    assert.equal(patternName({ b: { y: 2, x: 1 }, a: [1, { d: 0, c: null }] }), '{"a":[1,{"c":null,"d":0}],"b":{"x":1,"y":2}}');
    assert.equal(patternName(7), '7');
  });

  it('cuts a deep pattern instead of walking it, and never throws on a hostile one', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    assert.match(patternName(deep), /"\[MAX_DEPTH_REACHED\]"/);
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys');
        },
      },
    );
    assert.equal(typeof patternName(hostile), 'string');
  });

  it('names the transport of a server: Nest’s by their Transport value, a custom one by its id or class', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((transportId) => transportName({ transportId })), ['TCP', 'REDIS', 'NATS', 'MQTT', 'GRPC', 'RMQ', 'KAFKA']);
    assert.equal(transportName({ transportId: Symbol('sqs') }), 'sqs');
    assert.equal(transportName({ transportId: 'kinesis' }), 'kinesis');
    class PubSubServer {}
    assert.equal(transportName(new PubSubServer()), 'PubSubServer');
    assert.equal(transportName({}), undefined);
  });

  it('reads the same transport from a message’s context, where the interceptor cannot see the server', () => {
    class TcpContext {}
    class NatsContext {}
    class Metadata {}
    class MyCustomContext {}
    assert.equal(transportOfRpcContext(new TcpContext()), 'TCP');
    assert.equal(transportOfRpcContext(new NatsContext()), 'NATS');
    assert.equal(transportOfRpcContext(new Metadata()), 'GRPC');
    assert.equal(transportOfRpcContext(new MyCustomContext()), undefined);
    assert.equal(transportOfRpcContext({ constructor: { name: 'toString' } }), undefined, 'only its own table is read');
    assert.equal(transportOfRpcContext(undefined), undefined);
    assert.equal(transportOfRpcContext('TcpContext'), undefined);
  });
});
