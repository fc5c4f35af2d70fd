import { types } from 'node:util';
import { appendBreadcrumb } from '../context/breadcrumb.buffer.js';
import { describeThrown } from '../hud.notes.js';
import type { Invocation } from '../context/invocation.js';

const LOGGING_STATE = Symbol.for('nestjs-hud.logging-state');

/**
 * Shared by every copy of nestjs-hud in the process (CommonJS and ESM builds): `depth` is
 * above 0 while a Nest `Logger` call that was already noted runs, so the pino hook under it
 * (nestjs-pino's Logger writes through pino) and a logger that logs through `Logger` again
 * add no second breadcrumb for the same line.
 */
export const loggingState: { depth: number } = ((globalThis as Record<symbol, unknown>)[LOGGING_STATE] ??= {
  depth: 0,
}) as { depth: number };

/** The logger contexts nestjs-hud itself writes with: its own warnings are no step of the app's. */
const OWN_CONTEXTS: ReadonlySet<string> = new Set(['Hud', 'HudForensics', 'HudInspector']);

/**
 * One frozen `{ context }` per logger context, shared by every line of that logger (a record
 * copies breadcrumb data when it is built), so a line allocates one object, not two. Bounded:
 * past `MAX_SHARED_CONTEXTS` distinct contexts a line gets its own object.
 */
const MAX_SHARED_CONTEXTS = 256;
const contextData = new Map<string, Readonly<{ context: string }>>();

function dataOf(context: string): Readonly<{ context: string }> {
  let data = contextData.get(context);
  if (data === undefined) {
    data = Object.freeze({ context });
    if (contextData.size < MAX_SHARED_CONTEXTS) contextData.set(context, data);
  }
  return data;
}

/**
 * A log message as a breadcrumb holds it, never running the app's code: a lazy message
 * function is not called (the logger calls it), and an object is kept as it is, to be
 * described only if the invocation is recorded (see `describeValue`): logging a 1 MB object
 * inside an invocation costs what keeping a reference costs, and its getters never run.
 */
function messageOf(message: unknown): string | object {
  if (typeof message === 'string') return message;
  if (typeof message === 'function') return message.name === '' ? '(lazy message)' : message.name;
  if (typeof message !== 'object' || message === null) return describeThrown(message);
  if (!types.isProxy(message) && message instanceof Error) return `${message.name}: ${message.message}`;
  return message;
}

/**
 * Adds a log line written during `invocation` (the store read by the caller) as a
 * breadcrumb, when breadcrumbs from loggers are on and `level` is one of
 * `breadcrumbs.levels`. Never throws: it runs inside the app's own logging call.
 */
export function noteLogLine(invocation: Invocation, level: string, message: unknown, context: string | undefined): void {
  try {
    if (invocation.closed || (context !== undefined && OWN_CONTEXTS.has(context))) return;
    const settings = invocation.runtime.options.breadcrumbs;
    if (settings === false || !settings.logger || !(settings.levels as readonly string[]).includes(level)) return;
    appendBreadcrumb(invocation, settings, level, messageOf(message), context === undefined ? undefined : dataOf(context));
  } catch {
    // an Error whose name or message getter throws: the line is still logged
  }
}
