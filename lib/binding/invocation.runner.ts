import { invocationStorage } from '../context/invocation.storage.js';
import type { Invocation } from '../context/invocation.js';
import type { HudRuntime } from '../hud.runtime.js';
import { isThenable } from './handler-result.settler.js';

/**
 * Runs `fn` as the whole of `invocation` and completes it when `fn` is done: at once for a
 * synchronous function (which stays synchronous), when the promise settles otherwise.
 * What `fn` returns or throws passes through unchanged.
 */
export function runInvocation<T>(runtime: HudRuntime, invocation: Invocation, fn: () => T): T {
  return invocationStorage.run(invocation, () => {
    let result: T;
    try {
      result = fn();
    } catch (error) {
      invocation.noteError(error);
      runtime.complete(invocation);
      throw error;
    }
    if (!isThenable(result)) {
      runtime.complete(invocation);
      return result;
    }
    return result.then(
      (value) => {
        runtime.complete(invocation);
        return value;
      },
      (error: unknown) => {
        invocation.noteError(error);
        runtime.complete(invocation);
        throw error;
      },
    ) as T;
  });
}
