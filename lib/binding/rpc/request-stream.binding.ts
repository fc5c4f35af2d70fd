import { Observable } from 'rxjs';
import { invocationStorage } from '../../context/invocation.storage.js';
import type { Invocation } from '../../context/invocation.js';

/**
 * The stream of incoming messages a `@GrpcStreamMethod` handler receives, delivered inside
 * the handler's invocation. The transport pushes each message from its own socket callback,
 * outside any invocation; without this, `getContext()` in the handler's `subscribe` callback
 * would be `{}` and what it sets would be lost. Values, errors and completion pass unchanged.
 *
 * Functions the transport hung on its stream (`drainBuffer`, which releases the messages it
 * held back until the handler subscribed) are forwarded, so the handler sees no difference.
 */
export function requestStreamWithin(invocation: Invocation, source: Observable<unknown>): Observable<unknown> {
  const bound = new Observable<unknown>((subscriber) =>
    source.subscribe({
      next: (value) => invocationStorage.run(invocation, () => subscriber.next(value)),
      error: (error: unknown) => invocationStorage.run(invocation, () => subscriber.error(error)),
      complete: () => invocationStorage.run(invocation, () => subscriber.complete()),
    }),
  );
  for (const key of Object.getOwnPropertyNames(source)) {
    const value: unknown = (source as unknown as Record<string, unknown>)[key];
    if (typeof value === 'function' && !(key in bound)) {
      Object.defineProperty(bound, key, { value: (...args: unknown[]) => value.apply(source, args), configurable: true });
    }
  }
  return bound;
}
