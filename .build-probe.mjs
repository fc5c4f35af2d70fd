import 'reflect-metadata';
import { Controller, Module, Injectable } from '@nestjs/common';
import { NestFactory, APP_INTERCEPTOR } from '@nestjs/core';
import { MessagePattern, Transport, ClientProxyFactory } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';

let seen = [];
class Probe { intercept(ctx, next) { seen.push(ctx.getType()); return next.handle(); } }
class C { ping(d) { return 'pong'; } }
MessagePattern('ping')(C.prototype, 'ping', Object.getOwnPropertyDescriptor(C.prototype, 'ping'));
Controller()(C);
class M {}
Module({ controllers: [C], providers: [{ provide: APP_INTERCEPTOR, useClass: Probe }] })(M);
Injectable()(Probe);
for (const inherit of [false, true]) {
  seen = [];
  const app = await NestFactory.create(M, { logger: false });
  const ms = app.connectMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } }, { inheritAppConfig: inherit });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const port = ms.getTransportServer().unwrap().address().port;
  const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
  console.log(inherit, await firstValueFrom(client.send('ping', 1)), seen);
  await client.close(); await app.close();
}
