import { isObservable, tap } from 'rxjs';
import { HUD_ROUTE_HANDLER_WRAPPED } from '../../hud.constants.js';
import { currentInvocation } from '../../context/invocation.storage.js';
import type { Invocation } from '../../context/invocation.js';
import { HandlerExecutionContext } from './handler-execution-context.js';
import { applyHandlerMetadata, handlerMetadataOf } from './handler-metadata.js';
import { copyMethodMetadata } from './method-metadata.js';

/** A `StreamableFile` (of any copy of @nestjs/common): what Nest streams as the response body. */
function isStreamableFile(value: unknown): value is { getStream(): unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { getStream?: unknown }).getStream === 'function' &&
    typeof (value as { setErrorHandler?: unknown }).setErrorHandler === 'function'
  );
}

/** Keeps the stream of a returned `StreamableFile`, whose failure no exception filter sees. */
function noteBody<T>(value: T): T {
  if (isStreamableFile(value)) {
    const invocation = currentInvocation();
    if (invocation?.exchange !== undefined) invocation.exchange.bodyStream = value.getStream();
  }
  return value;
}

function observeOutcome(result: unknown, invocation: Invocation): unknown {
  if (isObservable(result)) return result.pipe(tap({ error: (error: unknown) => invocation.noteError(error) }));
  if (result instanceof Promise) {
    return result.then(noteBody, (error: unknown) => {
      invocation.noteError(error);
      throw error;
    });
  }
  return noteBody(result);
}

/**
 * Wraps one HTTP route handler of a controller so that it applies `@SetHudContext` and
 * `@HudSlowThreshold` right before it runs and notes the error it throws, rejects or emits.
 *
 * This replaces a global interceptor on HTTP: any global interceptor takes every route off
 * Nest's fast path (an RxJS pipeline and an AsyncResource per request), which cost more than
 * everything else nestjs-hud does. The wrapper is a plain function call: values, errors and
 * `this` pass through unchanged, the method's metadata is copied, and wrapping is idempotent.
 * Its one trace: the frame `nestjsHudRouteHandler` in the stack of an error the handler
 * throws synchronously (said so in docs/binding.md). Doing without it would mean running
 * `@SetHudContext` from a guard added to the user's method and finding a `StreamableFile`'s
 * stream by patching `StreamableFile`: more intrusive than one honestly named frame.
 */
export function wrapRouteHandler(controller: Function, methodName: string): void {
  const prototype = controller.prototype as Record<string, unknown>;
  const original = prototype[methodName] as ((...args: unknown[]) => unknown) & { [HUD_ROUTE_HANDLER_WRAPPED]?: true };
  if (typeof original !== 'function' || original[HUD_ROUTE_HANDLER_WRAPPED]) return;
  const metadata = handlerMetadataOf(controller, original);

  // A handler that throws before its first `await` has this frame right below its own in the
  // error's stack (nothing else of the error changes): it is named after nestjs-hud, not after
  // the method, since copyMethodMetadata gives `name` as a getter, which V8's frames ignore.
  const wrapped = function nestjsHudRouteHandler(this: unknown, ...args: unknown[]): unknown {
    const invocation = currentInvocation();
    if (invocation === undefined) return original.apply(this, args);
    if (!invocation.handlerMetadataApplied) {
      applyHandlerMetadata(
        invocation,
        metadata,
        () => new HandlerExecutionContext([invocation.exchange?.request, invocation.exchange?.response], controller as never, wrapped),
      );
    }
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      invocation.noteError(error);
      throw error;
    }
    return observeOutcome(result, invocation);
  };
  copyMethodMetadata(original, wrapped);
  Object.defineProperty(wrapped, HUD_ROUTE_HANDLER_WRAPPED, { value: true });
  // An inherited handler gets an own property on this class, like a normal method would be.
  const descriptor = Object.getOwnPropertyDescriptor(prototype, methodName) ?? { writable: true, configurable: true };
  Object.defineProperty(prototype, methodName, { ...descriptor, value: wrapped });
}
