// binding/: where invocations start, one folder per way in (http/, rpc/, ws/, jobs/, handlers/); here the one "run this as an invocation" and the one "start an RPC invocation".
import { isObservable, Observable } from 'rxjs';
import type { HudInvocationKind } from '../context/context-value.types.js';
import { invocationStorage } from '../context/invocation.storage.js';
import type { Invocation } from '../context/invocation.js';
import type { HudRuntime } from '../hud.runtime.js';
import { readPropagatedRpcContext } from '../propagation/context.propagation.js';
import { setMessageMetadataContext } from './rpc/message-metadata.context.js';

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Fails and completes the invocation; returns the error, for the caller to throw on. */
function fail(runtime: HudRuntime, invocation: Invocation, error: unknown): unknown {
  invocation.noteError(error);
  runtime.complete(invocation);
  return error;
}

/**
 * Runs `fn` as the whole of `invocation` and completes it when `fn` is done: at once for a
 * synchronous function (which stays synchronous), when the promise settles otherwise. With
 * `streams` (a Nest handler chain: a message, a WebSocket event), an Observable result, or
 * a promise of one, completes it when the stream ends. What `fn` returns or throws passes
 * through unchanged.
 */
export function runInvocation<T>(runtime: HudRuntime, invocation: Invocation, fn: () => T, streams = false): T {
  return invocationStorage.run(invocation, () => {
    let result: T;
    try {
      result = fn();
    } catch (error) {
      throw fail(runtime, invocation, error);
    }
    return settle(runtime, invocation, result, streams);
  });
}

/** Completes `invocation` once `result` has settled, and hands back an equivalent result. */
function settle<T>(runtime: HudRuntime, invocation: Invocation, result: T, streams: boolean): T {
  if (streams && isObservable(result)) return streamWithin(runtime, invocation, result) as T;
  if (!isThenable(result)) {
    runtime.complete(invocation);
    return result;
  }
  return result.then(
    (value) => (streams ? settle(runtime, invocation, value, streams) : (runtime.complete(invocation), value)),
    (error: unknown) => {
      throw fail(runtime, invocation, error);
    },
  ) as T;
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
        error: (error: unknown) => subscriber.error(fail(runtime, invocation, error)),
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
 * Starts the invocation of one message: kind `rpc`, named after its pattern, the record's
 * `rpc` details `{ pattern, transport }` (`transport` when known), the context a
 * propagating client sent in the message's metadata (`rpcContext`, the handler's second
 * argument), then the headers `fromMetadata` lists (the service's own keys win). Whoever
 * starts it (the server binding or the interceptor) gives the same record.
 */
export function startRpcInvocation(runtime: HudRuntime, pattern: string, transport: string | undefined, rpcContext: unknown): Invocation {
  const kind: HudInvocationKind = 'rpc';
  const invocation = runtime.startInvocation(kind, pattern);
  invocation.details.rpc = transport === undefined ? { pattern } : { pattern, transport };
  readPropagatedRpcContext(invocation, rpcContext);
  if (runtime.options.fromMetadata !== undefined) setMessageMetadataContext(invocation, rpcContext);
  return invocation;
}
