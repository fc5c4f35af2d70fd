import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module, type INestApplication } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { HudModule, type ForensicsRecord, type HudExporter, type HudModuleOptions } from 'nestjs-hud';
import { startHttpApp, type RunningApp } from './http-app.js';

// An Apollo app whose every query fails, for the tests of names clients choose.
const typeDefs = /* GraphQL */ `
  type Order {
    id: ID!
  }
  type Query {
    order(id: ID!): Order
  }
`;

@Resolver('Order')
class OrdersResolver {
  @Query('order')
  order(@Args('id') id: string) {
    throw new Error(`order ${id} unavailable`);
  }
}

/** Counts what it receives and keeps nothing, so the heap measures what nestjs-hud holds. */
export class CountingExporter implements HudExporter {
  received = 0;
  export(records: readonly ForensicsRecord[]): void {
    this.received += records.length;
  }
}

export function startFailingGraphqlApp(hud: HudModuleOptions): Promise<RunningApp> {
  @Module({
    imports: [
      HudModule.forRoot({ slowThresholdMs: false, ...hud }),
      // Apollo's own cache of parsed documents is off: it is the app's memory, not ours.
      GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, typeDefs, path: '/graphql', documentStore: null }),
    ],
    providers: [OrdersResolver],
  })
  class AppModule {}
  // Bodies of 500 KB, as an attacker sends them (Nest's default limit is 100 KB).
  return startHttpApp('express', { imports: [AppModule] }, (app: INestApplication) => {
    (app as NestExpressApplication).useBodyParser('json', { limit: '2mb' });
  });
}

export async function query(running: RunningApp, operationName: string): Promise<void> {
  const response = await fetch(`${running.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `query ${operationName} { order(id: "o-1") { id } }`, operationName }),
  });
  assert.equal(response.status, 200);
  const json = (await response.json()) as { errors?: { message: string }[] };
  assert.equal(json.errors?.[0]?.message, 'order o-1 unavailable', 'the client gets what GraphQL answers');
}

/** Runs `count` queries, `concurrency` at a time, naming the i-th with `nameOf(i)`. */
export async function queries(running: RunningApp, count: number, concurrency: number, nameOf: (i: number) => string): Promise<void> {
  for (let i = 0; i < count; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, count - i) }, (_, j) => query(running, nameOf(i + j))));
  }
}

