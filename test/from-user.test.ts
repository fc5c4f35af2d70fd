// fromUser: once the guards have run, the listed paths of the signed-in user are context.
// A real JWT guard (@nestjs/passport + passport-jwt) on Express, Fastify and GraphQL; a
// guard that verifies the JWT and sets the WebSocket client's user for gateways.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Param,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import { PassportModule } from '@nestjs/passport';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { HudContext, HudForensics, HudModule, MemoryExporter, setContext, type HudModuleOptions } from 'nestjs-hud';
import { WebSocket } from 'ws';
import { JwtAuthGuard, JwtStrategy, GqlJwtAuthGuard, signToken, WsJwtGuard } from './support/jwt-auth.js';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app.js';

const FROM_USER = { client_id: 'tenant.id', user_tier: 'plan' };

class CheckoutFailed extends Error {
  override name = 'CheckoutFailed';
}

/** An app interceptor that fails after the guard, before the handler. */
@Injectable()
class FailingInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, _next: CallHandler): never {
    throw new CheckoutFailed('interceptor failed');
  }
}

@Controller('orders')
@UseGuards(JwtAuthGuard)
class OrdersController {
  /** `@HudContext('client_id')` proves the key is set before the handler runs. */
  @Get(':id')
  checkout(@Param('id') id: string, @HudContext('client_id') clientId?: string) {
    setContext({ order_id: id, seen_client: clientId ?? 'none' });
    throw new CheckoutFailed(`checkout ${id} failed`);
  }

  @Get(':id/intercepted')
  @UseInterceptors(FailingInterceptor)
  intercepted() {
    return 'never reached';
  }
}

function hud(exporter: MemoryExporter, extra: HudModuleOptions = {}) {
  return HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: 10_000, fromUser: FROM_USER, ...extra });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const platform of PLATFORMS) {
  describe(`fromUser on ${platform}, behind @nestjs/passport's JWT guard`, () => {
    const exporter = new MemoryExporter();
    let running: RunningApp;
    const settle = () => running.app.get(HudForensics).flush();

    before(async () => {
      @Module({ imports: [hud(exporter), PassportModule], controllers: [OrdersController], providers: [JwtStrategy] })
      class AppModule {}
      running = await startHttpApp(platform, { imports: [AppModule] });
    });
    after(() => running.close());

    it('sets the listed paths of req.user before the handler runs', async () => {
      const response = await fetch(`${running.url}/orders/o-1`, { headers: bearer(signToken({ sub: 'u-1', tenant: 'acme', plan: 'pro' })) });
      assert.equal(response.status, 500);
      const record = await exporter.waitFor((r) => r.invocation.name === 'GET /orders/:id');
      assert.deepEqual(record.context, { client_id: 'acme', user_tier: 'pro', order_id: 'o-1', seen_client: 'acme' });
      assert.equal(record.dropped, undefined);
    });

    it('skips an absent property, and leaves the context alone when no user signed in', async () => {
      exporter.clear();
      await fetch(`${running.url}/orders/o-2`, { headers: bearer(signToken({ sub: 'u-2', tenant: 'globex' })) });
      const record = await exporter.waitFor((r) => r.context.order_id === 'o-2');
      assert.deepEqual(record.context, { client_id: 'globex', order_id: 'o-2', seen_client: 'globex' });
      assert.equal(record.dropped, undefined, 'an absent property is not a problem');

      const rejected = await fetch(`${running.url}/orders/o-3`);
      assert.equal(rejected.status, 401, 'the guard answers as it always does');
      await settle();
      assert.equal(exporter.records.length, 1, 'a 401 is not a failure');
    });

    it('an error thrown after the guard but before the handler (an interceptor) still carries the user’s keys', async () => {
      exporter.clear();
      const response = await fetch(`${running.url}/orders/o-4/intercepted`, { headers: bearer(signToken({ sub: 'u-4', tenant: 'initech', plan: 'free' })) });
      assert.equal(response.status, 500);
      const record = await exporter.waitFor((r) => r.invocation.name === 'GET /orders/:id/intercepted');
      assert.deepEqual(record.context, { client_id: 'initech', user_tier: 'free' });
      assert.equal(record.error?.message, 'interceptor failed');
    });

    it('50 concurrent requests of different users: each record holds its own user’s keys', async () => {
      exporter.clear();
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const response = await fetch(`${running.url}/orders/c-${i}`, { headers: bearer(signToken({ sub: `u-${i}`, tenant: `t-${i}`, plan: i % 2 ? 'pro' : 'free' })) });
          await response.arrayBuffer();
        }),
      );
      await exporter.waitFor(() => exporter.records.length === 50, 10_000);
      for (const record of exporter.records) {
        const i = Number(String(record.context.order_id).slice(2));
        assert.equal(record.context.client_id, `t-${i}`);
        assert.equal(record.context.user_tier, i % 2 ? 'pro' : 'free');
      }
    });
  });
}

describe('fromUser on a WebSocket gateway: the client’s user', () => {
  @WebSocketGateway()
  @UseGuards(WsJwtGuard)
  class CartGateway {
    @SubscribeMessage('cart.checkout')
    checkout(@MessageBody() message: { cart: string }) {
      setContext({ cart: message.cart });
      throw new CheckoutFailed(`cart ${message.cart} failed`);
    }
  }

  const exporter = new MemoryExporter();
  let running: RunningApp;

  before(async () => {
    @Module({ imports: [hud(exporter)], providers: [CartGateway, WsJwtGuard] })
    class AppModule {}
    running = await startHttpApp('express', { imports: [AppModule] }, (app) => {
      app.useWebSocketAdapter(new WsAdapter(app));
    });
  });
  after(() => running.close());

  it('sets the listed paths of the user the guard put on the client', async () => {
    const socket = new WebSocket(running.url.replace('http://', 'ws://'));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    try {
      socket.send(JSON.stringify({ event: 'cart.checkout', data: { cart: 'k-1', token: signToken({ sub: 'u-9', tenant: 'hooli', plan: 'team' }) } }));
      const record = await exporter.waitFor((r) => r.invocation.name === 'cart.checkout');
      assert.equal(record.invocation.kind, 'ws');
      assert.deepEqual(record.context, { client_id: 'hooli', user_tier: 'team', cart: 'k-1' });
    } finally {
      socket.close();
    }
  });
});

describe('fromUser on GraphQL: the GraphQL context’s req.user (JWT guard) or user', () => {
  const typeDefs = /* GraphQL */ `
    type Query {
      invoice(id: ID!): String
      receipt(id: ID!): String
    }
  `;

  /** Sets the context's own `user`, as apps that build the GraphQL context themselves do. */
  @Injectable()
  class ContextUserGuard implements CanActivate {
    canActivate(context: ExecutionContext): boolean {
      const graphqlContext = context.getArgByIndex(2) as { user?: unknown };
      graphqlContext.user = { tenant: { id: 'context-tenant' }, plan: 'enterprise', email: 'x@example.com' };
      return true;
    }
  }

  @Resolver()
  class InvoicesResolver {
    @Query('invoice')
    @UseGuards(GqlJwtAuthGuard)
    invoice(@Args('id') id: string) {
      setContext({ invoice: id });
      throw new CheckoutFailed(`invoice ${id} failed`);
    }

    @Query('receipt')
    @UseGuards(ContextUserGuard)
    receipt(@Args('id') id: string) {
      throw new CheckoutFailed(`receipt ${id} failed`);
    }
  }

  const exporter = new MemoryExporter();
  let running: RunningApp;

  before(async () => {
    @Module({
      imports: [
        hud(exporter),
        PassportModule,
        GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, typeDefs, path: '/graphql', context: ({ req }: { req: unknown }) => ({ req }) }),
      ],
      providers: [InvoicesResolver, JwtStrategy, ContextUserGuard],
    })
    class AppModule {}
    running = await startHttpApp('express', { imports: [AppModule] });
  });
  after(() => running.close());

  async function query(document: string, headers: Record<string, string> = {}): Promise<void> {
    const response = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: document }),
    });
    assert.equal(response.status, 200);
    await response.arrayBuffer();
  }

  it('sets the listed paths of req.user that the JWT guard set', async () => {
    await query('query Invoice { invoice(id: "i-1") }', bearer(signToken({ sub: 'u-5', tenant: 'stark', plan: 'pro' })));
    const record = await exporter.waitFor((r) => r.invocation.name === 'query Invoice');
    assert.equal(record.invocation.kind, 'graphql');
    assert.deepEqual(record.context, { client_id: 'stark', user_tier: 'pro', invoice: 'i-1' });
  });

  it('else the GraphQL context’s own user', async () => {
    await query('query Receipt { receipt(id: "r-1") }');
    const record = await exporter.waitFor((r) => r.invocation.name === 'query Receipt');
    assert.deepEqual(record.context, { client_id: 'context-tenant', user_tier: 'enterprise' });
  });
});
