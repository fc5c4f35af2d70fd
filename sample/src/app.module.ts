import { randomBytes } from 'node:crypto';
import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { ScheduleModule } from '@nestjs/schedule';
import { HudModule, LoggerExporter, NdjsonFileExporter } from 'nestjs-hud';
import { ClientContextMiddleware } from './client-context.middleware.js';
import { InsightsController } from './insights.controller.js';
import { InventoryController } from './inventory.controller.js';
import { InventoryJobs } from './inventory.jobs.js';
import { OrdersController } from './orders.controller.js';
import { INVENTORY_CLIENT, ReservationsController } from './reservations.controller.js';

/** The TCP microservice this process also serves (main.ts connects it). */
export const TCP_PORT = Number(process.env.TCP_PORT ?? 3001);

/** Where records are appended (NdjsonFileExporter); `npm run demo` reads them from there. */
export const RECORDS_FILE = process.env.HUD_RECORDS_FILE ?? 'sample-records.ndjson';

/** The inspector's token: HUD_TOKEN, or a fresh one per run (main.ts prints the URL). */
export const inspectorToken = process.env.HUD_TOKEN || randomBytes(12).toString('hex');

@Module({
  imports: [
    HudModule.forRoot({
      service: 'sample-orders',
      slowThresholdMs: 200,
      exporters: [new LoggerExporter(), new NdjsonFileExporter({ path: RECORDS_FILE })],
      redact: ['authorization'],
      // The demo sends bursts: keep every record of them.
      rateLimit: { perSecond: 50, burst: 100 },
      inspector: { path: '/_hud', token: inspectorToken },
      // client_id and user_tier travel with the TCP messages this app sends to itself
      propagation: { keys: ['client_id', 'request_id', 'user_tier'] },
    }),
    ClientsModule.register([
      { name: INVENTORY_CLIENT, transport: Transport.TCP, options: { host: '127.0.0.1', port: TCP_PORT } },
    ]),
    ScheduleModule.forRoot(),
    EventEmitterModule.forRoot(),
  ],
  controllers: [OrdersController, ReservationsController, InventoryController, InsightsController],
  providers: [InventoryJobs],
})
export class AppModule implements NestModule {
  /** The app with optional modules main.ts loads only when their service is configured. */
  static with(optional: DynamicModule[]): DynamicModule {
    return { module: AppModule, imports: optional };
  }

  configure(consumer: MiddlewareConsumer) {
    consumer.apply(ClientContextMiddleware).forRoutes('*');
  }
}
