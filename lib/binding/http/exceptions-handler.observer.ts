import type { ArgumentsHost } from '@nestjs/common';
import { ExceptionsHandler } from '@nestjs/core/exceptions/exceptions-handler.js';
import { currentInvocation } from '../../context/invocation.storage.js';
import { noteHandledByAppFilter } from '../../forensics/app-filter.errors.js';
import type { Invocation } from '../../context/invocation.js';
import { invocationOfResponse, lateAnswerGiven } from './http-invocation.slot.js';
import { setSignedInUserContext } from '../handlers/signed-in-user.context.js';

type Next = (this: unknown, exception: unknown, host: ArgumentsHost) => unknown;

/** A filter as `ExceptionsHandler` keeps it: the types its `@Catch()` names (none: every exception). */
interface FilterMetadata {
  exceptionMetatypes?: ReadonlyArray<abstract new (...args: never[]) => unknown>;
}

/**
 * Whether one of the app's filters bound to this handler takes `exception`, chosen the way
 * Nest chooses (the first whose `@Catch()` names no type or a type the exception is an
 * instance of). Nest's own handler, which logs unknown errors, runs only when none does.
 */
function appFilterTakes(handler: unknown, exception: unknown): boolean {
  try {
    const filters = (handler as { filters?: unknown }).filters;
    if (!Array.isArray(filters)) return false;
    return (filters as FilterMetadata[]).some(
      ({ exceptionMetatypes }) => !exceptionMetatypes?.length || exceptionMetatypes.some((type) => exception instanceof type),
    );
  } catch {
    return false; // an odd filter list or a throwing `instanceof`: assume Nest handles it
  }
}

/** Marks the patched `next`, for every copy of nestjs-hud in the process: it is patched once. */
const OBSERVED = Symbol.for('nestjs-hud.exceptions-handler-observed');

/** The response the host holds (`[req, res, next]` for HTTP), or `undefined` for an odd host. */
function responseOf(host: ArgumentsHost): unknown {
  try {
    return host.getArgByIndex(1);
  } catch {
    return undefined;
  }
}

/**
 * Notes every exception Nest's HTTP exception layer handles on the request's invocation,
 * before any exception filter is chosen. Every HTTP exception goes through
 * `ExceptionsHandler#next` (the handler Nest builds per route, per middleware, for unknown
 * routes and for errors of `app.use()` middleware), which then picks the app's filter:
 * method, controller and global ones (`useGlobalFilters`, `APP_FILTER`), the first that
 * `@Catch()`es the exception. A filter of ours would be consulted after those (Nest tries
 * global filters last, the ones registered last first), so a catch-all of the app would hide
 * the error. This only looks: the exception, the filter chosen and the answer are unchanged.
 *
 * Patching Nest's class (once per process, idempotent) rather than adding an interceptor
 * keeps every route on Nest's fast path; the added work happens only when something throws.
 */
export function observeHttpExceptions(): void {
  const prototype = ExceptionsHandler.prototype as unknown as { next: Next; [OBSERVED]?: true };
  if (prototype[OBSERVED] === true || typeof prototype.next !== 'function') return;
  const next = prototype.next;
  const observed: Next = function (exception, host) {
    const response = responseOf(host);
    const invocation: Invocation | undefined = invocationOfResponse(response) ?? currentInvocation();
    if (invocation !== undefined && !invocation.closed) {
      invocation.noteError(exception);
      // thrown after the guards but before the handler (an interceptor, a pipe): the user is known
      if (!invocation.handlerMetadataApplied && invocation.runtime.options.fromUser !== undefined) setSignedInUserContext(invocation);
    }
    if (appFilterTakes(this, exception)) noteHandledByAppFilter(exception);
    try {
      return next.call(this, exception, host);
    } finally {
      // the client may have left while the app worked: the error handled is its answer
      lateAnswerGiven(response);
    }
  };
  Object.defineProperty(prototype, OBSERVED, { value: true });
  prototype.next = observed;
}
