import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import type { INestMicroservice, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { Module } from '@nestjs/common';

export interface RunningTcpService {
  app: INestMicroservice;
  client: ClientProxy;
  close(): Promise<void>;
}

/** Serves `metadata` as a TCP microservice on 127.0.0.1 (a free port) with a client to it. */
export async function startTcpService(metadata: ModuleMetadata): Promise<RunningTcpService> {
  @Module(metadata)
  class TcpModule {}
  const app = await NestFactory.createMicroservice(TcpModule, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: 0 },
    logger: false,
  });
  await app.listen();
  const { port } = app.unwrap<Server>().address() as AddressInfo;
  const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
  await client.connect();
  return {
    app,
    client,
    close: async () => {
      await client.close();
      await app.close();
    },
  };
}
