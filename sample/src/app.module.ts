import { randomBytes } from 'node:crypto';
import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { HudModule, LoggerExporter, NdjsonFileExporter } from 'nestjs-hud';
import { ClientContextMiddleware } from './client-context.middleware.js';
import { OrdersController } from './orders.controller.js';

/** The inspector's token: HUD_TOKEN, or a fresh one per run (main.ts prints the URL). */
export const inspectorToken = process.env.HUD_TOKEN || randomBytes(12).toString('hex');

@Module({
  imports: [
    HudModule.forRoot({
      service: 'sample-orders',
      slowThresholdMs: 200,
      exporters: [new LoggerExporter(), new NdjsonFileExporter({ path: 'sample-records.ndjson' })],
      redact: ['authorization'],
      inspector: { path: '/_hud', token: inspectorToken },
    }),
  ],
  controllers: [OrdersController],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(ClientContextMiddleware).forRoutes('*');
  }
}
