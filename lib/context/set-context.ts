import { Logger } from '@nestjs/common';
import { HudNotes } from '../hud.notes.js';
import type { HudContextInput, HudContextValue } from './context-value.types.js';
import type { HudContextRecord, HudContextShape, HudContextSnapshot, HudContextUpdate } from './typed-context.types.js';
import { writeContext } from './context.writer.js';
import { currentInvocation } from './invocation.storage.js';
import type { Invocation } from './invocation.js';

/** Notes that belong to no module: outside an invocation nothing says which app the call came from. */
const processNotes = new HudNotes(new Logger('Hud'));

/** Notes, once per process and at debug level, that context was set where no invocation runs. */
export function noteOutsideInvocation(): void {
  processNotes.debug(
    'outside',
    'setContext was called outside any invocation (start-up code, or a timer started outside a handler); it had no effect. Further calls are not reported.',
  );
}

/** A plain-object copy of an invocation's context (arrays copied too). */
export function copyOfContext(invocation: Invocation | undefined): Record<string, HudContextValue> {
  if (invocation === undefined) return {};
  const copy: Record<string, HudContextValue> = { ...invocation.values };
  if (invocation.hasArrays) {
    for (const key of Object.keys(copy)) {
      const value = copy[key];
      if (Array.isArray(value)) copy[key] = value.slice() as HudContextValue;
    }
  }
  return copy;
}

/**
 * Merges `values` into the context of the invocation being handled now (a request, a
 * message, a job). Invalid keys are dropped and reported; `null` and `undefined` values are
 * ignored. Outside an invocation it does nothing and never throws.
 *
 * `setContext<OrdersContext>(...)` checks the keys and values against a declared shape.
 *
 * @example
 * setContext({ client_id: req.headers['x-client-id'], user_tier: 'pro' });
 * @publicApi
 */
export function setContext<C extends HudContextShape<C> = HudContextRecord>(values: HudContextUpdate<C>): void {
  const invocation = currentInvocation();
  if (invocation === undefined) {
    noteOutsideInvocation();
    return;
  }
  writeContext(invocation, values as Record<string, HudContextInput>);
}

/**
 * A copy of the current invocation's context; `{}` outside an invocation.
 *
 * @publicApi
 */
export function getContext<C extends HudContextShape<C> = HudContextRecord>(): HudContextSnapshot<C> {
  return copyOfContext(currentInvocation()) as HudContextSnapshot<C>;
}
