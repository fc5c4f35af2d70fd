import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { HudModule, LoggerExporter } from 'nestjs-hud';
import { ClientContextMiddleware } from './client-context.middleware.js';
import { InventoryJobs } from './inventory.jobs.js';
import { OrdersController } from './orders.controller.js';

@Module({
  imports: [
    HudModule.forRoot({
      service: 'sample-orders',
      slowThresholdMs: 200,
      exporters: [new LoggerExporter()],
    }),
    ScheduleModule.forRoot(),
    EventEmitterModule.forRoot(),
  ],
  controllers: [OrdersController],
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
