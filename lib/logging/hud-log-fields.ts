// logging/: the invocation's context in the app's log lines (hudLogFields, pino hooks) and log lines as breadcrumbs.
import type { HudContextValue } from '../context/context-value.types.js';
import { invocationStorage } from '../context/invocation.storage.js';
import { REDACTED } from '../forensics/redactor.js';

/**
 * The current invocation's context as fields for a log line: a plain-object copy, with the
 * `redact` rules applied as in records; `{}` outside an invocation. Cheap enough to call on
 * every log line (a pino `mixin`, a `ConsoleLogger` override).
 *
 * Unlike `getContext()`, it still answers while the invocation is completing, so a line
 * written when the response finishes (pino-http's "request completed") carries the final
 * context too. Once that is over it returns `{}`, like `getContext()`: a timer the handler
 * left behind, and the exporters (which run outside every invocation), log without it.
 *
 * @example
 * LoggerModule.forRoot({ pinoHttp: { mixin: () => hudLogFields() } }); // nestjs-pino
 * @publicApi
 */
export function hudLogFields(): Record<string, HudContextValue> {
  const fields: Record<string, HudContextValue> = {};
  const invocation = invocationStorage.getStore();
  if (invocation === undefined || invocation.released) return fields;
  const values = invocation.values;
  const redactor = invocation.runtime.redactor;
  for (const key of Object.keys(values)) {
    const value = values[key];
    fields[key] = redactor.shouldRedact(key) ? REDACTED : Array.isArray(value) ? (value.slice() as HudContextValue) : value;
  }
  return fields;
}
