import { createParamDecorator, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import { contextHandleFor, contextValue } from '../context/hud-context.handle.js';
import { currentInvocation } from '../context/invocation.storage.js';
import { applyHandlerMetadata, handlerMetadataOf } from '../binding/handlers/handler-metadata.js';

/**
 * Resolved when Nest builds the handler's arguments, inside the invocation: after the
 * guards and interceptors, in HTTP controllers and in microservice, WebSocket and GraphQL
 * handlers alike (Nest resolves custom parameter decorators in each of them).
 */
function resolveHudContext(key: string | undefined, context: ExecutionContext): unknown {
  const invocation = currentInvocation();
  // On HTTP routes @SetHudContext is applied by the wrapped handler, which Nest calls only
  // after resolving the parameters: apply it now, so a parameter sees its values too.
  if (invocation !== undefined && !invocation.handlerMetadataApplied) {
    applyHandlerMetadata(invocation, handlerMetadataOf(context.getClass(), context.getHandler()), () => context);
  }
  return typeof key === 'string' ? contextValue(invocation, key) : contextHandleFor(invocation);
}

/**
 * Injects the current invocation's context into a handler parameter.
 *
 * - `@HudContext()`: a `HudContextHandle` (`set`, `get`, `getAll`) tied to this invocation.
 * - `@HudContext('key')`: the value of one key when the handler is called, or `undefined`.
 *
 * Works in HTTP controllers, `@MessagePattern` / `@EventPattern` handlers, WebSocket
 * gateways and GraphQL resolvers. Outside an invocation (no `HudModule`, or `enabled: false`)
 * the handle does nothing and values are `undefined`.
 *
 * @example
 * ```ts
 * @Post()
 * create(@Body() dto: CreateOrderDto, @HudContext() hud: HudContextHandle, @HudContext('client_id') clientId?: string) {
 *   hud.set({ order_items: dto.items.length });
 * }
 *
 * @MessagePattern('orders.ship')
 * ship(@Payload() order: Order, @HudContext() hud: HudContextHandle) {
 *   hud.set('order_id', order.id);
 * }
 * ```
 * @publicApi
 */
export const HudContext: (key?: string, ...pipes: Array<Type<PipeTransform> | PipeTransform>) => ParameterDecorator =
  createParamDecorator(resolveHudContext);
