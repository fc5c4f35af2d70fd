import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { HudModule, LoggerExporter } from 'nestjs-hud';
import { ClientContextMiddleware } from './client-context.middleware.js';
import { OrdersController } from './orders.controller.js';

@Module({
  imports: [
    HudModule.forRoot({
      service: 'sample-orders',
      slowThresholdMs: 200,
      exporters: [new LoggerExporter()],
    }),
  ],
  controllers: [OrdersController],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(ClientContextMiddleware).forRoutes('*');
  }
}
