import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { HudModule, LoggerExporter } from 'nestjs-hud';
import { ClientContextMiddleware } from './client-context.middleware.js';
import { InventoryController } from './inventory.controller.js';
import { OrdersController } from './orders.controller.js';
import { INVENTORY_CLIENT, ReservationsController } from './reservations.controller.js';

/** The TCP microservice this process also serves (main.ts connects it). */
export const TCP_PORT = Number(process.env.TCP_PORT ?? 3001);

@Module({
  imports: [
    HudModule.forRoot({
      service: 'sample-orders',
      slowThresholdMs: 200,
      exporters: [new LoggerExporter()],
    }),
    ClientsModule.register([
      { name: INVENTORY_CLIENT, transport: Transport.TCP, options: { host: '127.0.0.1', port: TCP_PORT } },
    ]),
  ],
  controllers: [OrdersController, ReservationsController, InventoryController],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(ClientContextMiddleware).forRoutes('*');
  }
}
