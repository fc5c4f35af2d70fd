import { Logger } from '@nestjs/common';
import { invocationStorage } from '../context/invocation.storage.js';
import { loggingState, noteLogLine } from './log-line.breadcrumb.js';

const METHODS = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const;
/** On a wrapper: the method it wraps. */
const ORIGINAL = Symbol.for('nestjs-hud.logger-original');
/** On the Logger class: how many running HudModules want its lines as breadcrumbs. */
export const LOGGER_INSTALLS = Symbol.for('nestjs-hud.logger-installs');

type LogMethod = ((this: unknown, ...args: unknown[]) => unknown) & { [ORIGINAL]?: LogMethod };
type Patchable = Record<string, LogMethod>;
type LoggerClass = typeof Logger & { [LOGGER_INSTALLS]?: number };

/** The Nest logger context of a call: the instance's own, else a last string argument as Nest reads it. */
function contextOf(self: unknown, args: readonly unknown[]): string | undefined {
  const own = (self as { context?: unknown } | undefined)?.context;
  if (typeof own === 'string') return own;
  const last = args[args.length - 1];
  // a multi-line string is the stack of error(message, stack), not a context
  return args.length > 1 && typeof last === 'string' && !last.includes('\n') ? last : undefined;
}

function wrap(original: LogMethod, level: string, logger: LoggerClass): LogMethod {
  const wrapped: LogMethod = function (this: unknown, ...args: unknown[]) {
    // Outside an invocation this costs one AsyncLocalStorage read; the call itself is untouched.
    const invocation = loggingState.depth === 0 ? invocationStorage.getStore() : undefined;
    if (invocation === undefined || !(logger[LOGGER_INSTALLS]! > 0)) return original.apply(this, args);
    noteLogLine(invocation, level, args[0], contextOf(this, args));
    loggingState.depth++;
    try {
      return original.apply(this, args);
    } finally {
      loggingState.depth--;
    }
  };
  wrapped[ORIGINAL] = original;
  return wrapped;
}

function patch(target: Patchable, logger: LoggerClass): void {
  for (const method of METHODS) {
    const current = target[method];
    if (typeof current !== 'function' || current[ORIGINAL] !== undefined) continue;
    const descriptor = Object.getOwnPropertyDescriptor(target, method);
    if (descriptor === undefined) continue;
    Object.defineProperty(target, method, { ...descriptor, value: wrap(current, method, logger) });
  }
}

function unpatch(target: Patchable): void {
  for (const method of METHODS) {
    const original = target[method]?.[ORIGINAL];
    // a wrapper someone put over ours stays; ours inside it is inert once no module is installed
    if (original === undefined) continue;
    const descriptor = Object.getOwnPropertyDescriptor(target, method);
    if (descriptor !== undefined) Object.defineProperty(target, method, { ...descriptor, value: original });
  }
}

/**
 * Makes lines written through Nest's `Logger` (instance and static methods) during an
 * invocation breadcrumbs, whatever logger the app installed: `Logger` routes every call to
 * the installed one (`useLogger`, `logger: false`, nestjs-pino's...), so wrapping `Logger`'s
 * own methods sees each line once and changes nothing of what is written. Counted per
 * running module; the methods are restored when the last one stops.
 */
export function installLoggerBreadcrumbs(logger: LoggerClass = Logger as LoggerClass): void {
  logger[LOGGER_INSTALLS] = (logger[LOGGER_INSTALLS] ?? 0) + 1;
  if (logger[LOGGER_INSTALLS] !== 1) return;
  patch(logger.prototype as unknown as Patchable, logger);
  patch(logger as unknown as Patchable, logger);
}

export function uninstallLoggerBreadcrumbs(logger: LoggerClass = Logger as LoggerClass): void {
  if (!(logger[LOGGER_INSTALLS]! > 0)) return;
  logger[LOGGER_INSTALLS] = logger[LOGGER_INSTALLS]! - 1;
  if (logger[LOGGER_INSTALLS] !== 0) return;
  unpatch(logger.prototype as unknown as Patchable);
  unpatch(logger as unknown as Patchable);
}
