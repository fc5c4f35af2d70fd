import { format } from 'node:util';
import { invocationStorage } from '../context/invocation.storage.js';
import { loggingState, noteLogLine } from './log-line.breadcrumb.js';

/** pino's level names as Nest's, the names `breadcrumbs.levels` uses. */
const NEST_LEVEL_OF: Readonly<Record<string, string>> = { trace: 'verbose', info: 'log' };

/** The parts of a pino logger the hook reads. */
interface PinoLike {
  levels?: { labels?: Record<number, string> };
}

/** What the `hooks` option of pino (and of pino-http, nestjs-pino's `pinoHttp`) accepts. */
export interface HudPinoHooks {
  logMethod(this: PinoLike, args: unknown[], method: (...args: unknown[]) => unknown, level: number): unknown;
}

function formatted(message: string, params: readonly unknown[]): string {
  return params.length === 0 ? message : format(message, ...params);
}

/** The line's message as pino writes it: `(obj?, msg?, ...interpolation)`. */
function messageOf(args: readonly unknown[]): { message: unknown; context: string | undefined } {
  const first = args[0];
  if (typeof first !== 'object' || first === null) {
    return { message: typeof first === 'string' ? formatted(first, args.slice(1)) : first, context: undefined };
  }
  const fields = first as { context?: unknown; msg?: unknown; err?: unknown };
  const context = typeof fields.context === 'string' ? fields.context : undefined;
  if (typeof args[1] === 'string') return { message: formatted(args[1], args.slice(2)), context };
  if (first instanceof Error) return { message: first, context };
  if (fields.err instanceof Error) return { message: fields.err, context };
  return { message: typeof fields.msg === 'string' ? fields.msg : first, context };
}

/**
 * pino hooks that add the lines written during an invocation as breadcrumbs (levels by
 * Nest's names: pino's `info` is `log`, `trace` is `verbose`). For pino used directly and
 * for nestjs-pino's `PinoLogger`; lines nestjs-pino's `Logger` writes for Nest's `Logger`
 * are breadcrumbs already and are not added twice. What pino writes is unchanged.
 *
 * @example
 * LoggerModule.forRoot({ pinoHttp: { hooks: hudPinoHooks() } }); // nestjs-pino
 * const logger = pino({ hooks: hudPinoHooks() });                 // pino
 * @publicApi
 */
export function hudPinoHooks(): HudPinoHooks {
  return {
    logMethod(args, method, level) {
      const invocation = loggingState.depth === 0 ? invocationStorage.getStore() : undefined;
      if (invocation !== undefined) {
        try {
          const label = this?.levels?.labels?.[level] ?? String(level);
          const { message, context } = messageOf(args);
          noteLogLine(invocation, NEST_LEVEL_OF[label] ?? label, message, context);
        } catch {
          // an odd logger or argument: the line is still written
        }
      }
      return method.apply(this, args);
    },
  };
}
