import type { HudContextValue } from './context-value.types.js';

/**
 * One step of what an invocation did: added by `addBreadcrumb()`, or a log line written
 * through Nest's `Logger` (or pino, with `hudPinoHooks()`) while it ran.
 *
 * @publicApi
 */
export interface HudBreadcrumb {
  /** Milliseconds since the invocation started. */
  atMs: number;
  /** `'info'` for `addBreadcrumb()`; the log level (`'log'`, `'warn'`, `'error'`, ...) for a log line. */
  level: string;
  /** The text, at most `breadcrumbs.maxMessageLength` characters; a logged object is described as JSON-like text. */
  message: string;
  /** Validated copies, like context; redacted keys hold `'[REDACTED]'` in records. */
  data?: Record<string, HudContextValue>;
}
