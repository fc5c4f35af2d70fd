import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, GrpcStreamMethod, RpcException, Transport } from '@nestjs/microservices';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { getContext, HudForensics, HudModule, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { Observable, Subject } from 'rxjs';

const PROTO = `
syntax = "proto3";
package orders;

service OrdersService {
  rpc Checkout (CheckoutRequest) returns (CheckoutReply);
  rpc Track (stream TrackRequest) returns (stream TrackReply);
}

message CheckoutRequest { string order_id = 1; string client_id = 2; bool fail_plain = 3; }
message CheckoutReply { string status = 1; }
message TrackRequest { int32 seq = 1; bool fail = 2; }
message TrackReply { int32 seq = 1; string seen_stream = 2; int32 seen_previous_seq = 3; }
`;

interface CheckoutRequest {
  orderId: string;
  clientId: string;
  failPlain: boolean;
}
interface TrackRequest {
  seq: number;
  fail: boolean;
}
interface TrackReply {
  seq: number;
  seenStream: string;
  seenPreviousSeq: number;
}

/** Fresh controller classes per app: HudModule marks the classes it binds. */
function grpcControllers() {
  @Controller()
  class OrdersGrpcController {
    @GrpcMethod('OrdersService', 'Checkout')
    checkout(request: CheckoutRequest): never {
      setContext({ order_id: request.orderId, client_id: request.clientId });
      if (request.failPlain) throw new Error('payment gateway timeout');
      throw new RpcException({ code: grpc.status.FAILED_PRECONDITION, message: 'payment declined' });
    }

    /** Answers each message with what getContext() holds in the callback that receives it. */
    @GrpcStreamMethod('OrdersService', 'Track')
    track(messages: Observable<TrackRequest>, metadata: grpc.Metadata): Observable<TrackReply> {
      setContext({ stream_id: String(metadata.get('x-stream-id')[0]) });
      const replies = new Subject<TrackReply>();
      messages.subscribe({
        next: (message) => {
          const context = getContext();
          if (message.fail) {
            replies.error(new RpcException({ code: grpc.status.ABORTED, message: `stream ${String(context.stream_id)} gave up` }));
            return;
          }
          replies.next({
            seq: message.seq,
            seenStream: String(context.stream_id ?? 'none'),
            seenPreviousSeq: typeof context.last_seq === 'number' ? context.last_seq : -1,
          });
          setContext({ last_seq: message.seq });
        },
        complete: () => replies.complete(),
        // the transport echoes the error of the replies into this stream: already handled above
        error: () => undefined,
      });
      return replies.asObservable();
    }
  }
  return [OrdersGrpcController];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type OrdersClient = grpc.Client & {
  Checkout(request: Partial<CheckoutRequest>, callback: (error: grpc.ServiceError | null, reply?: unknown) => void): void;
  Track(metadata: grpc.Metadata): grpc.ClientDuplexStream<TrackRequest, TrackReply>;
};

interface RunningGrpc {
  app: INestMicroservice;
  client: OrdersClient;
  close(): Promise<void>;
}

async function startGrpc(protoPath: string, metadata: { imports?: any[]; controllers: any[] }): Promise<RunningGrpc> {
  const url = `127.0.0.1:${await freePort()}`;
  class GrpcTestModule {}
  Module(metadata)(GrpcTestModule);
  const app = await NestFactory.createMicroservice(GrpcTestModule, {
    transport: Transport.GRPC,
    options: { package: 'orders', protoPath, url },
    logger: false,
  });
  await app.listen();
  const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath)) as any;
  const client = new definition.orders.OrdersService(url, grpc.credentials.createInsecure()) as OrdersClient;
  return {
    app,
    client,
    close: async () => {
      client.close();
      await app.close();
    },
  };
}

function checkout(client: OrdersClient, request: Partial<CheckoutRequest>): Promise<{ code?: number; details?: string }> {
  return new Promise((resolve) => {
    client.Checkout(request, (error) => resolve(error ? { code: error.code, details: error.details } : {}));
  });
}

/** A bidirectional stream on which each write waits for its reply. */
function openTrack(client: OrdersClient, streamId: string) {
  const metadata = new grpc.Metadata();
  metadata.set('x-stream-id', streamId);
  const call = client.Track(metadata);
  const replies: TrackReply[] = [];
  const waiting: Array<(reply: TrackReply) => void> = [];
  call.on('data', (reply: TrackReply) => {
    replies.push(reply);
    waiting.shift()?.(reply);
  });
  const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
    call.on('error', (error: grpc.ServiceError) => resolve(error));
    call.on('end', () => resolve(undefined));
  });
  return {
    replies,
    ended,
    send(seq: number): Promise<TrackReply> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${streamId}#${seq} within 5 s`)), 5000);
        waiting.push((reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        call.write({ seq, fail: false });
      });
    },
    fail(): void {
      call.write({ seq: -1, fail: true });
    },
    end(): void {
      call.end();
    },
  };
}

describe('gRPC', () => {
  const exporter = new MemoryExporter();
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-hud-grpc-'));
  const protoPath = join(dir, 'orders.proto');
  let hud: RunningGrpc;
  let withoutHud: RunningGrpc;

  before(async () => {
    writeFileSync(protoPath, PROTO);
    hud = await startGrpc(protoPath, {
      imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: false })],
      controllers: grpcControllers(),
    });
    withoutHud = await startGrpc(protoPath, { controllers: grpcControllers() });
  });
  after(async () => {
    await hud?.close();
    await withoutHud?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const recordsNamed = (name: string): ForensicsRecord[] => exporter.records.filter((r) => r.invocation.name === name);

  it('records a failing unary call once, named Service/Method, with the context its handler set', async () => {
    const outcome = await checkout(hud.client, { orderId: 'o-1', clientId: 'acme' });
    assert.equal(outcome.code, grpc.status.FAILED_PRECONDITION);
    const record = await exporter.waitFor((r) => r.context.order_id === 'o-1');
    assert.equal(record.invocation.kind, 'rpc');
    assert.equal(record.invocation.name, 'OrdersService/Checkout');
    assert.deepEqual(record.invocation.rpc, { pattern: 'OrdersService/Checkout', transport: 'GRPC' });
    assert.equal(record.trigger, 'error');
    assert.equal(record.error?.message, 'payment declined');
    assert.deepEqual(record.context, { order_id: 'o-1', client_id: 'acme' });
    await hud.app.get(HudForensics).flush();
    assert.equal(recordsNamed('OrdersService/Checkout').length, 1);
  });

  it('sends the client the same status and details it gets without nestjs-hud', async () => {
    for (const failPlain of [false, true]) {
      const request = { orderId: 'o-2', clientId: 'acme', failPlain };
      const withModule = await checkout(hud.client, request);
      const without = await checkout(withoutHud.client, request);
      assert.notEqual(without.code, undefined, 'the call fails');
      assert.deepEqual(withModule, without, `failPlain: ${failPlain}`);
    }
  });

  it('keeps the context of a @GrpcStreamMethod stream in the callback that receives each message', async () => {
    const stream = openTrack(hud.client, 'stream-a');
    const first = await stream.send(0);
    const second = await stream.send(1);
    stream.end();
    assert.equal(await stream.ended, undefined);
    assert.deepEqual(first, { seq: 0, seenStream: 'stream-a', seenPreviousSeq: -1 });
    assert.deepEqual(second, { seq: 1, seenStream: 'stream-a', seenPreviousSeq: 0 }, 'set in the previous callback');
  });

  it('keeps concurrent streams apart, and records a failing one with what its callbacks set', async () => {
    const ids = ['s-0', 's-1', 's-2', 's-3'];
    const streams = ids.map((id) => openTrack(hud.client, id));
    // interleaved: one message on each stream in turn, three rounds
    for (let seq = 0; seq < 3; seq++) await Promise.all(streams.map((stream) => stream.send(seq)));
    streams.forEach((stream, index) => {
      assert.deepEqual(
        stream.replies,
        [0, 1, 2].map((seq) => ({ seq, seenStream: ids[index], seenPreviousSeq: seq - 1 })),
        ids[index],
      );
    });
    const failing = streams[2]!;
    failing.fail();
    const error = await failing.ended;
    assert.equal(error?.code, grpc.status.ABORTED);
    assert.equal(error?.details, 'stream s-2 gave up');
    for (const stream of streams) if (stream !== failing) stream.end();
    await Promise.all(streams.map((stream) => stream.ended));

    const record = await exporter.waitFor((r) => r.context.stream_id === 's-2');
    assert.equal(record.invocation.name, 'OrdersService/Track');
    assert.equal(record.trigger, 'error');
    assert.deepEqual(record.context, { stream_id: 's-2', last_seq: 2 });
    await hud.app.get(HudForensics).flush();
    assert.deepEqual(
      recordsNamed('OrdersService/Track').map((r) => r.context.stream_id),
      ['s-2'],
      'the streams that ended normally left no record',
    );
  });
});
