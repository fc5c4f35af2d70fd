import { isObservable, Observable } from 'rxjs';
import { invocationStorage } from '../context/invocation.storage.js';
import type { Invocation } from '../context/invocation.js';
import type { HudRuntime } from '../hud.runtime.js';

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * The handler's response stream, subscribed inside the invocation (Nest runs interceptors
 * and the handler only when the transport subscribes, which it does outside our `run`),
 * completing the invocation when the stream ends. Values and errors pass unchanged.
 */
export function streamWithin(runtime: HudRuntime, invocation: Invocation, source: Observable<unknown>): Observable<unknown> {
  return new Observable((subscriber) =>
    invocationStorage.run(invocation, () => {
      const subscription = source.subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => {
          invocation.noteError(error);
          runtime.complete(invocation);
          subscriber.error(error);
        },
        complete: () => {
          runtime.complete(invocation);
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        runtime.complete(invocation);
      };
    }),
  );
}

/**
 * Completes `invocation` once what a Nest handler chain returned — a value, an Observable,
 * or a promise of either — has settled, and hands back an equivalent result.
 */
export function settleHandlerResult(runtime: HudRuntime, invocation: Invocation, result: unknown): unknown {
  if (isObservable(result)) return streamWithin(runtime, invocation, result);
  if (!isThenable(result)) {
    runtime.complete(invocation);
    return result;
  }
  return Promise.resolve(result).then(
    (value) => settleHandlerResult(runtime, invocation, value),
    (error: unknown) => {
      invocation.noteError(error);
      runtime.complete(invocation);
      throw error;
    },
  );
}

/**
 * Runs one call of a handler chain (a message, a WebSocket event) as the whole of
 * `invocation`: inside it, completing it when the result settles (see `settleHandlerResult`)
 * or at once when the call throws. What the call returns or throws passes through.
 */
export function runHandlerCall(runtime: HudRuntime, invocation: Invocation, call: () => unknown): unknown {
  return invocationStorage.run(invocation, () => {
    let result: unknown;
    try {
      result = call();
    } catch (error) {
      invocation.noteError(error);
      runtime.complete(invocation);
      throw error;
    }
    return settleHandlerResult(runtime, invocation, result);
  });
}
