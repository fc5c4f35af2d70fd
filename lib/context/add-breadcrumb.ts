import { describeThrown as safeText } from '../hud.notes.js';
import { HudContextValidationError } from './context-validation.error.js';
import type { HudContextInput } from './context-value.types.js';
import { appendBreadcrumb } from './breadcrumb.buffer.js';
import { normalizeBreadcrumbData } from './breadcrumb-data.normalizer.js';
import type { ProblemSink } from './context-value.normalizer.js';
import { currentInvocation } from './invocation.storage.js';
import type { Invocation } from './invocation.js';

/**
 * Adds a breadcrumb of level `info` to `invocation`, its `data` validated like context.
 * Strict mode throws `HudContextValidationError` for bad data (and adds nothing), as
 * `setContext` does; otherwise the bad keys are dropped with a warning and the rest is kept.
 */
export function addBreadcrumbTo(invocation: Invocation, message: unknown, data: unknown): void {
  const { breadcrumbs, limits, strict } = invocation.runtime.options;
  if (breadcrumbs === false) return;
  const sink: ProblemSink = { problems: undefined };
  const copy = normalizeBreadcrumbData(data, limits, sink);
  if (sink.problems !== undefined) {
    if (strict) throw new HudContextValidationError(sink.problems);
    invocation.runtime.warnAboutBreadcrumbData(sink.problems);
  }
  appendBreadcrumb(invocation, breadcrumbs, 'info', typeof message === 'string' ? message : safeText(message), copy);
}

/**
 * Notes a step of the current invocation (a request, a message, a job): if the invocation
 * fails, its record lists its breadcrumbs, oldest first; if it succeeds they are dropped.
 * `data` is validated like context and redacted by the same rules. Outside an invocation
 * it does nothing and never throws.
 *
 * @example
 * addBreadcrumb('card authorised', { amount_cents: 1299, provider: 'stripe' });
 * @publicApi
 */
export function addBreadcrumb(message: string, data?: Record<string, HudContextInput>): void {
  const invocation = currentInvocation();
  if (invocation !== undefined) addBreadcrumbTo(invocation, message, data);
}
