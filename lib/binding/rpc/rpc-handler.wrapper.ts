import { isObservable } from 'rxjs';
import type { HudRuntime } from '../../hud.runtime.js';
import { runInvocation, startRpcInvocation } from '../invocation.runner.js';
import { requestStreamWithin } from './request-stream.binding.js';

/**
 * A handler as a Nest microservice server keeps it: called with `(data, context)`, it
 * returns a promise of a value or of an Observable. The server reads `isEventHandler` and
 * `extras` from it, and chains further `@EventPattern` handlers of the same pattern on `next`.
 */
export type MessageHandler = ((...args: unknown[]) => unknown) & {
  isEventHandler?: boolean;
  extras?: Record<string, unknown>;
  next?: MessageHandler;
};

/** On a wrapper: the handler it wraps. Marks it, so wrapping stays idempotent. */
const WRAPPED_HANDLER = Symbol.for('nestjs-hud.rpc-wrapped-handler');

export function isWrappedHandler(handler: MessageHandler): boolean {
  return (handler as { [WRAPPED_HANDLER]?: unknown })[WRAPPED_HANDLER] !== undefined;
}

/**
 * Wraps one registered message handler so that each call is its own invocation of kind
 * `rpc`, bound with `AsyncLocalStorage.run` around the whole handler chain: guards,
 * interceptors, pipes, the handler and the exception filters. The wrapper keeps the
 * handler's `isEventHandler` and `extras`, and forwards `next` (chained event handlers)
 * to the original, so the server sees no difference. Each message is its own invocation,
 * even when a custom transport dispatches it from inside another one; a gRPC stream of
 * incoming messages is one invocation, its messages delivered inside it.
 */
export function wrapMessageHandler(
  runtime: HudRuntime,
  original: MessageHandler,
  name: string,
  transport: string | undefined,
): MessageHandler {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const invocation = startRpcInvocation(runtime, name, transport, args[1]); // (data, context)
    // a gRPC request stream (@GrpcStreamMethod): its messages arrive outside the invocation
    if (isObservable(args[0])) args[0] = requestStreamWithin(invocation, args[0]);
    return runInvocation(runtime, invocation, () => original.apply(this, args), true);
  } as MessageHandler;

  Object.defineProperties(wrapper, {
    name: { value: original.name, configurable: true },
    [WRAPPED_HANDLER]: { value: original },
    isEventHandler: {
      get: () => original.isEventHandler,
      set: (value: boolean) => (original.isEventHandler = value),
      enumerable: true,
      configurable: true,
    },
    extras: {
      get: () => original.extras,
      set: (value: Record<string, unknown>) => (original.extras = value),
      enumerable: true,
      configurable: true,
    },
    // Server#addHandler appends a second @EventPattern handler of a pattern to the tail of
    // the `next` chain, and the handler Nest made calls its own `next`: keep them one chain.
    next: {
      get: () => original.next,
      set: (value: MessageHandler | undefined) => (original.next = value),
      enumerable: true,
      configurable: true,
    },
  });
  return wrapper;
}
