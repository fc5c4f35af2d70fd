import { Logger } from '@nestjs/common';
import { HUD_SLOW_THRESHOLD_METADATA } from '../hud.constants.js';
import { defineHandlerMetadata, describeTarget } from './decorator-metadata.js';

/**
 * Overrides the `slowThresholdMs` option for a handler, or for every handler of a class
 * (the method's own value wins): a success slower than `ms` is recorded with trigger
 * `duration`; `false` never records these handlers for slowness. Failures are recorded
 * either way.
 *
 * @example
 * ```ts
 * @Controller('reports')
 * @HudSlowThreshold(5000)            // reports are slow by nature
 * export class ReportsController {
 *   @Get('export')
 *   @HudSlowThreshold(false)         // a long download is not a failure
 *   export() {}
 * }
 * ```
 * @publicApi
 */
export function HudSlowThreshold(ms: number | false): MethodDecorator & ClassDecorator {
  const usable = ms === false || (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0);
  return ((target: object, key?: string | symbol, descriptor?: TypedPropertyDescriptor<unknown>) => {
    if (!usable) {
      new Logger('Hud').warn(
        `@HudSlowThreshold on ${describeTarget(target, key)} expects a number of milliseconds >= 0 or false, got ${String(ms)}; it was ignored.`,
      );
      return descriptor ?? target;
    }
    return defineHandlerMetadata(HUD_SLOW_THRESHOLD_METADATA, ms, target, descriptor);
  }) as MethodDecorator & ClassDecorator;
}
