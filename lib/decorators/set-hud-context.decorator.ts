import { Logger } from '@nestjs/common';
import type { SetHudContextSource } from '../binding/handlers/handler-metadata.js';
import { HUD_SET_CONTEXT_METADATA } from '../hud.constants.js';
import { defineHandlerMetadata, describeTarget } from './decorator-metadata.js';

/**
 * Sets context on every invocation of a handler, before the handler runs (after the
 * guards): static values, or a function of the `ExecutionContext` that reads the request
 * (headers, params), the RPC payload and context, or the WebSocket data.
 *
 * On a class it applies to every handler of the class. Class-level and method-level values
 * merge, and the method's win. Each value is validated like any `setContext`; a function
 * that throws is reported once and never fails the handler.
 *
 * @example
 * ```ts
 * @Controller('orders')
 * @SetHudContext({ feature: 'orders' })
 * export class OrdersController {
 *   @Post(':region')
 *   @SetHudContext((ctx) => {
 *     const req = ctx.switchToHttp().getRequest();
 *     return { region: req.params.region, client_id: req.headers['x-client-id'] };
 *   })
 *   create() {}
 *
 *   @MessagePattern('orders.ship')
 *   @SetHudContext((ctx) => ({ order_id: ctx.switchToRpc().getData().orderId }))
 *   ship() {}
 * }
 * ```
 * @publicApi
 */
export function SetHudContext(source: SetHudContextSource): MethodDecorator & ClassDecorator {
  const usable = source !== null && (typeof source === 'function' || typeof source === 'object') && !Array.isArray(source);
  return ((target: object, key?: string | symbol, descriptor?: TypedPropertyDescriptor<unknown>) => {
    if (!usable) {
      new Logger('Hud').warn(
        `@SetHudContext on ${describeTarget(target, key)} expects an object of values or a function (ctx) => values; it was ignored.`,
      );
      return descriptor ?? target;
    }
    return defineHandlerMetadata(HUD_SET_CONTEXT_METADATA, source, target, descriptor);
  }) as MethodDecorator & ClassDecorator;
}
