import { describeThrown as safeText } from '../hud.notes.js';
import type { HudContextInput } from './context-value.types.js';
import { writeContext } from './context.writer.js';
import { currentInvocation } from './invocation.storage.js';
import type { Invocation } from './invocation.js';
import { cutText } from './utf16.text.js';

/**
 * Marks `invocation` as failed with `reason` (cut to `limits.maxStringLength`; the first
 * reason given stays), then merges `context` as `setContext` would.
 */
export function markFailed(invocation: Invocation, reason: unknown, context: unknown): void {
  if (invocation.failure === undefined) {
    const text = typeof reason === 'string' ? reason : safeText(reason);
    invocation.failure = cutText(text, invocation.runtime.options.limits.maxStringLength);
  }
  if (context !== undefined && context !== null) writeContext(invocation, context);
}

/**
 * Marks the current invocation as failed without throwing (a payment declined by the
 * provider, a fallback taken, a partial result): it is recorded with trigger `failure` and
 * `failure: { reason }`, and counted as a failure, while the response stays exactly what the
 * handler returns. `context` is merged as by `setContext`. A later thrown error still gives
 * the record trigger `error`, and the record keeps `failure`. Outside an invocation it does
 * nothing and never throws.
 *
 * @example
 * if (payment.status === 'declined') setFailure('payment declined by provider', { provider: 'stripe' });
 * @publicApi
 */
export function setFailure(reason: string, context?: Record<string, HudContextInput>): void {
  const invocation = currentInvocation();
  if (invocation !== undefined) markFailed(invocation, reason, context);
}
