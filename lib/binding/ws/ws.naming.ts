import type { ExecutionContext } from '@nestjs/common';

/** Written by `@SubscribeMessage()` of `@nestjs/websockets` (read by key: no import). */
const WS_MESSAGE_METADATA = 'message';

/**
 * The name of a WebSocket invocation: the message it handles, as given to
 * `@SubscribeMessage('orders.create')` (Nest passes it as the pattern of the WS context).
 */
export function wsInvocationName(context: ExecutionContext): string | undefined {
  let pattern: unknown;
  try {
    pattern = context.switchToWs().getPattern();
  } catch {
    pattern = undefined;
  }
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern === 'unknown') {
    pattern = Reflect.getMetadata(WS_MESSAGE_METADATA, context.getHandler());
  }
  return typeof pattern === 'string' && pattern.length > 0 ? pattern : undefined;
}

/** The name of a message as a gateway subscribed to it: the string itself, else JSON. */
export function wsMessageName(message: unknown): string {
  if (typeof message === 'string') return message;
  try {
    return JSON.stringify(message) ?? String(message);
  } catch {
    return String(message);
  }
}
