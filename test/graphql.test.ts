import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable, Module, UseGuards, type CanActivate } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, GraphQLModule, Mutation, Query, Resolver } from '@nestjs/graphql';
import { getContext, HudForensics, HudModule, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { delay, randomInt } from './support/app-context.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

const typeDefs = /* GraphQL */ `
  type Order {
    id: ID!
    status: String!
  }
  type Query {
    order(id: ID!, fail: Boolean, delayMs: Int): Order
  }
  type Mutation {
    cancelOrder(id: ID!): Order
  }
`;

class WarehouseError extends Error {
  override name = 'WarehouseError';
}

/** What each guard call saw before it set anything: must always be the headers only. */
const seenInGuard: Record<string, unknown>[] = [];

@Injectable()
class TierGuard implements CanActivate {
  canActivate(): boolean {
    seenInGuard.push(getContext());
    setContext({ guard_ran: true });
    return true;
  }
}

@Resolver('Order')
@UseGuards(TierGuard)
class OrdersResolver {
  @Query('order')
  async order(@Args('id') id: string, @Args('fail') fail?: boolean, @Args('delayMs') delayMs?: number) {
    setContext({ order_id: id });
    await delay(delayMs ?? 0);
    if (fail) throw new WarehouseError(`order ${id} unavailable`);
    return { id, status: 'shipped' };
  }

  @Mutation('cancelOrder')
  cancelOrder(@Args('id') id: string) {
    setContext({ cancel_id: id });
    throw new WarehouseError('cannot cancel a shipped order');
  }
}

function appModule(exporter: MemoryExporter) {
  @Module({
    imports: [
      HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: 10_000, fromHeaders: { client_id: 'x-client-id' } }),
      GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, typeDefs, path: '/graphql' }),
    ],
    providers: [OrdersResolver, TierGuard],
  })
  class AppModule {}
  return AppModule;
}

interface GraphqlResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string }[];
}

describe('GraphQL operations (Apollo over HTTP)', () => {
  const exporter = new MemoryExporter();
  let running: RunningApp;
  const settle = () => running.app.get(HudForensics).flush();

  before(async () => {
    running = await startHttpApp('express', { imports: [appModule(exporter)] });
  });
  after(() => running.close());

  async function post(body: object, client: string): Promise<{ status: number; json: GraphqlResponse }> {
    const response = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client-id': client },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as GraphqlResponse };
  }

  const getOrder = 'query GetOrder($id: ID!, $fail: Boolean, $delayMs: Int) { order(id: $id, fail: $fail, delayMs: $delayMs) { id status } }';

  it('records a resolver error GraphQL answers with 200 and errors: kind graphql, named by the operation', async () => {
    exporter.clear();
    const { status, json } = await post({ query: getOrder, operationName: 'GetOrder', variables: { id: 'o-1', fail: true } }, 'acme');
    assert.equal(status, 200);
    assert.equal(json.errors?.[0]?.message, 'order o-1 unavailable', 'the error reaches the client as GraphQL reports it');
    const record = await exporter.waitFor((r) => r.invocation.name === 'query GetOrder');
    assert.equal(record.invocation.kind, 'graphql');
    assert.equal(record.trigger, 'error');
    assert.deepEqual(record.context, { client_id: 'acme', guard_ran: true, order_id: 'o-1' });
    assert.equal(record.error?.name, 'WarehouseError');
    assert.equal(record.invocation.http?.statusCode, 200, 'the HTTP details of the request are kept');
    assert.equal(record.invocation.http?.method, 'POST');
    await settle();
    assert.equal(exporter.records.length, 1, 'one request, one record');
  });

  it('names an anonymous operation by its type and root field', async () => {
    exporter.clear();
    const { status, json } = await post({ query: 'mutation { cancelOrder(id: "o-2") { id } }' }, 'globex');
    assert.equal(status, 200);
    assert.equal(json.errors?.[0]?.message, 'cannot cancel a shipped order');
    const record = await exporter.waitFor((r) => r.invocation.kind === 'graphql');
    assert.equal(record.invocation.name, 'mutation cancelOrder');
    assert.deepEqual(record.context, { client_id: 'globex', guard_ran: true, cancel_id: 'o-2' });
  });

  it('records nothing for a successful operation, and the response is untouched', async () => {
    exporter.clear();
    const { status, json } = await post({ query: getOrder, variables: { id: 'o-3' } }, 'initech');
    assert.equal(status, 200);
    assert.deepEqual(json, { data: { order: { id: 'o-3', status: 'shipped' } } });
    await settle();
    assert.deepEqual(exporter.records, []);
  });

  it('isolates 100 concurrent operations with random delays; nothing leaks into the next one', async () => {
    exporter.clear();
    seenInGuard.length = 0;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post({ query: getOrder, operationName: 'GetOrder', variables: { id: `o-${i}`, fail: i % 2 === 0, delayMs: randomInt(0, 30) } }, `client-${i}`),
      ),
    );
    assert.ok(results.every((r) => r.status === 200));
    await settle();
    const records: ForensicsRecord[] = exporter.records.filter((r) => r.invocation.name === 'query GetOrder');
    assert.equal(records.length, 50);
    for (const record of records) {
      const i = Number(String(record.context.order_id).slice(2));
      assert.equal(i % 2, 0, 'only failing operations are recorded');
      assert.deepEqual(record.context, { client_id: `client-${i}`, guard_ran: true, order_id: `o-${i}` });
      assert.equal(record.error?.message, `order o-${i} unavailable`);
    }
    assert.equal(seenInGuard.length, 100);
    for (const seen of seenInGuard) assert.deepEqual(Object.keys(seen), ['client_id'], 'only its own headers when the guard ran');
  });
});
