import { Module, type DynamicModule } from '@nestjs/common';
import { MemoryExporter } from '../forensics/exporters/memory.exporter.js';
import { HudModule } from '../hud.module.js';
import type { HudModuleOptions } from '../hud.options.js';

/**
 * `HudModule` for tests: every record also goes to a `MemoryExporter` you can inject (or
 * `moduleRef.get(MemoryExporter)`), and the rate limit is off so a test that fails the same
 * route twenty times sees twenty records. Other options are `HudModule`'s, as given.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [HudTestingModule.forRoot({ service: 'orders-api' })],
 *   controllers: [OrdersController],
 * }).compile();
 * const records = moduleRef.get(MemoryExporter);
 * @publicApi
 */
@Module({})
export class HudTestingModule {
  static forRoot(options: HudModuleOptions = {}): DynamicModule {
    const memory = new MemoryExporter();
    return {
      module: HudTestingModule,
      global: true,
      imports: [HudModule.forRoot({ rateLimit: false, ...options, exporters: [memory, ...(options.exporters ?? [])] })],
      providers: [{ provide: MemoryExporter, useValue: memory }],
      exports: [MemoryExporter],
    };
  }
}
