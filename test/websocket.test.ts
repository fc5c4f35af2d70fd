import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable, Module, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { getContext, HudForensics, HudModule, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { WebSocket } from 'ws';
import { delay, randomInt } from './support/app-context.js';
import { startHttpApp, type RunningApp } from './support/http-app.js';

interface OrderMessage {
  orderId: string;
  client: string;
  fail?: boolean;
  delayMs?: number;
}

class StockError extends Error {
  override name = 'StockError';
}

/** What each guard call saw before it set anything: must always be empty. */
const seenInGuard: Record<string, unknown>[] = [];

@Injectable()
class ClientGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    seenInGuard.push(getContext());
    setContext({ client_id: context.switchToWs().getData<OrderMessage>().client });
    return true;
  }
}

@WebSocketGateway()
@UseGuards(ClientGuard)
class OrdersGateway {
  @SubscribeMessage('orders.create')
  async create(@MessageBody() message: OrderMessage) {
    setContext({ order_id: message.orderId });
    await delay(message.delayMs ?? 0);
    if (message.fail) throw new StockError(`out of stock for ${message.orderId}`);
    return { event: 'orders.created', data: { orderId: message.orderId } };
  }
}

function appModule(exporter: MemoryExporter) {
  @Module({
    imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: 10_000 })],
    providers: [OrdersGateway, ClientGuard],
  })
  class AppModule {}
  return AppModule;
}

/** A real WebSocket client on 127.0.0.1, collecting the replies it receives. */
async function connect(url: string): Promise<{ socket: WebSocket; replies: unknown[] }> {
  const socket = new WebSocket(url.replace('http://', 'ws://'));
  const replies: unknown[] = [];
  socket.on('message', (data) => replies.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, replies };
}

function send(socket: WebSocket, data: OrderMessage): void {
  socket.send(JSON.stringify({ event: 'orders.create', data }));
}

describe('WebSocket gateways (ws adapter)', () => {
  const exporter = new MemoryExporter();
  let running: RunningApp;
  const settle = () => running.app.get(HudForensics).flush();
  const named = (name: string): ForensicsRecord[] => exporter.records.filter((r) => r.invocation.name === name);

  before(async () => {
    running = await startHttpApp('express', { imports: [appModule(exporter)] }, (app) => {
      app.useWebSocketAdapter(new WsAdapter(app));
    });
  });
  after(() => running.close());

  it('records a failing message as an invocation of kind ws named after the message, with guard and handler context', async () => {
    exporter.clear();
    const { socket, replies } = await connect(running.url);
    try {
      send(socket, { orderId: 'o-1', client: 'acme', fail: true });
      const record = await exporter.waitFor((r) => r.invocation.name === 'orders.create');
      for (let i = 0; i < 100 && replies.length === 0; i++) await delay(10);
      const [reply] = replies as { event: string; data: { status: string; message: string } }[];
      assert.equal(replies.length, 1);
      assert.equal(reply?.event, 'exception', 'Nest’s own error reply, untouched');
      assert.equal(reply?.data.message, 'Internal server error');
      assert.equal(record.invocation.kind, 'ws');
      assert.equal(record.trigger, 'error');
      assert.deepEqual(record.context, { client_id: 'acme', order_id: 'o-1' });
      assert.equal(record.error?.name, 'StockError');
      assert.equal(record.error?.message, 'out of stock for o-1');
      await settle();
      assert.equal(named('orders.create').length, 1);
    } finally {
      socket.close();
    }
  });

  it('records nothing for a message handled successfully, and the reply is untouched', async () => {
    exporter.clear();
    const { socket, replies } = await connect(running.url);
    try {
      send(socket, { orderId: 'o-2', client: 'globex' });
      for (let i = 0; i < 100 && replies.length === 0; i++) await delay(10);
      assert.deepEqual(replies, [{ event: 'orders.created', data: { orderId: 'o-2' } }]);
      await settle();
      assert.deepEqual(exporter.records, []);
    } finally {
      socket.close();
    }
  });

  it('isolates 100 concurrent messages on 5 connections with random delays; nothing leaks into the next message', async () => {
    exporter.clear();
    seenInGuard.length = 0;
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect(running.url)));
    try {
      for (let i = 0; i < 100; i++) {
        send(clients[i % 5]!.socket, { orderId: `o-${i}`, client: `client-${i}`, fail: i % 2 === 0, delayMs: randomInt(0, 30) });
      }
      const replies = () => clients.flatMap((c) => c.replies) as { event: string }[];
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (named('orders.create').length < 50 || replies().length < 100)) {
        await delay(20);
      }
      await settle();
      const records = named('orders.create');
      assert.equal(records.length, 50);
      for (const record of records) {
        const i = Number(String(record.context.order_id).slice(2));
        assert.equal(i % 2, 0, 'only failing messages are recorded');
        assert.deepEqual(record.context, { client_id: `client-${i}`, order_id: `o-${i}` });
        assert.equal(record.error?.message, `out of stock for o-${i}`);
      }
      assert.equal(replies().filter((r) => r.event === 'orders.created').length, 50, 'every successful message was answered');
      assert.equal(replies().filter((r) => r.event === 'exception').length, 50, 'every failing one got Nest’s own error reply');
      assert.equal(seenInGuard.length, 100);
      assert.ok(seenInGuard.every((seen) => Object.keys(seen).length === 0), 'each message started with an empty context');
    } finally {
      for (const { socket } of clients) socket.close();
    }
  });
});
