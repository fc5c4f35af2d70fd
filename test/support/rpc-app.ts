import 'reflect-metadata';
import { Module, type INestApplication, type INestMicroservice, type LoggerService, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Transport, type ClientProxy, type ClientOptions } from '@nestjs/microservices';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { AddressInfo, Server } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { redisAddress, requireRedis } from './redis.js';
import { testService } from './test-services.js';

export type RpcTransport = 'TCP' | 'REDIS' | 'MQTT' | 'NATS';
/** TCP in process; Redis, MQTT (mosquitto) and NATS (nats-server) are real brokers test/run.mjs started. */
export const RPC_TRANSPORTS: readonly RpcTransport[] = ['TCP', 'REDIS', 'MQTT', 'NATS'];

export interface RunningMicroservice {
  app: INestMicroservice;
  client: ClientProxy;
  close(): Promise<void>;
}

export interface RunningHybridApp {
  app: INestApplication;
  url: string;
  client: ClientProxy;
  close(): Promise<void>;
}

/** Options of a broker transport, server and client alike: the broker test/run.mjs started. */
function brokerOptions(transport: Exclude<RpcTransport, 'TCP'>) {
  if (transport === 'REDIS') return { transport: Transport.REDIS, options: redisAddress() } as const;
  if (transport === 'MQTT') return { transport: Transport.MQTT, options: { url: testService('HUD_TEST_MQTT_URL') } } as const;
  return { transport: Transport.NATS, options: { servers: testService('HUD_TEST_NATS_URL') } } as const;
}

function serverOptions(transport: RpcTransport) {
  return transport === 'TCP' ? { transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } } : brokerOptions(transport);
}

async function connectClient(transport: RpcTransport, tcpServer: () => Server): Promise<ClientProxy> {
  const options: ClientOptions =
    transport === 'TCP'
      ? { transport: Transport.TCP, options: { host: '127.0.0.1', port: (tcpServer().address() as AddressInfo).port } }
      : brokerOptions(transport);
  const client = ClientProxyFactory.create(options);
  await client.connect();
  return client;
}

/**
 * Builds a module from `metadata` and serves it as a standalone microservice on TCP
 * (127.0.0.1, a free port) or on the run's Redis, mosquitto or nats-server, with a
 * connected client. It goes
 * through `NestFactory.createMicroservice`, as production code does.
 */
export async function startMicroservice(
  transport: RpcTransport,
  metadata: ModuleMetadata,
  logger: LoggerService | false = false,
): Promise<RunningMicroservice> {
  if (transport === 'REDIS') await requireRedis();
  class MicroserviceTestModule {}
  Module(metadata)(MicroserviceTestModule);
  const app = await NestFactory.createMicroservice(MicroserviceTestModule, { ...serverOptions(transport), logger, abortOnError: false });
  await app.listen();
  const client = await connectClient(transport, () => app.unwrap<Server>());
  return {
    app,
    client,
    close: async () => {
      await client.close();
      await app.close();
    },
  };
}

/** An Express app on 127.0.0.1 with a TCP microservice connected to it: one process, two transports. */
export async function startHybridApp(
  metadata: ModuleMetadata,
  options: { inheritAppConfig: boolean; logger?: LoggerService | false },
): Promise<RunningHybridApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: options.logger ?? false });
  const microservice = app.connectMicroservice(serverOptions('TCP'), {
    inheritAppConfig: options.inheritAppConfig,
  });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const client = await connectClient('TCP', () => microservice.unwrap<Server>());
  return {
    app,
    url,
    client,
    close: async () => {
      await client.close();
      await app.close();
    },
  };
}

/** What the client gets for one request: the reply, or the error it was sent. */
export type Outcome = { value: unknown } | { error: unknown };

export async function outcomeOf(client: ClientProxy, pattern: unknown, data: unknown): Promise<Outcome> {
  try {
    return { value: await firstValueFrom(client.send(pattern, data)) };
  } catch (error) {
    return { error };
  }
}

/** Resolves when `signal()` is called, or rejects after `timeoutMs`. */
export function deferred(timeoutMs = 5000): { promise: Promise<void>; signal: () => void } {
  let signal!: () => void;
  const promise = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not signalled within ${timeoutMs} ms`)), timeoutMs);
    signal = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { promise, signal };
}
