import type { Invocation } from '../../context/invocation.js';

/**
 * Where the invocation of an HTTP request is kept: on the raw response (Node's
 * `ServerResponse`), which Express handlers, Fastify replies (`reply.raw`) and Nest
 * middleware on either platform all reach. A registered symbol, so that every copy of
 * nestjs-hud in the process (the CommonJS and ES module builds) finds the same slot.
 */
const INVOCATION = Symbol.for('nestjs-hud.http-invocation');
/** Set only on a response whose connection closed before the app answered (see `awaitLateAnswer`). */
const LATE_ANSWER = Symbol.for('nestjs-hud.http-late-answer');

/** The raw response of what a handler, a filter or a middleware holds as "the response". */
export function rawResponseOf(response: any): any {
  return response?.raw ?? response;
}

export function attachInvocation(rawResponse: any, invocation: Invocation): void {
  rawResponse[INVOCATION] = invocation;
}

/** The invocation of the request `response` answers (an Express response, a Fastify reply or a raw response). */
export function invocationOfResponse(response: unknown): Invocation | undefined {
  const raw = rawResponseOf(response);
  return raw == null ? undefined : raw[INVOCATION];
}

/**
 * Ends the request's invocation without completing it: nothing is recorded or counted. For
 * requests that are nestjs-hud's own (the inspector), whatever URL variant routed them there.
 */
export function discardInvocationOf(response: unknown): void {
  const invocation = invocationOfResponse(response);
  invocation?.discard();
}

/**
 * For a request whose client left before the app answered: `complete` runs once the app
 * gives its answer anyway, when it ends the (dead) response or when Nest's exception layer
 * has handled the error that ends the request. Costs nothing for requests that finish.
 */
export function awaitLateAnswer(rawResponse: any, complete: () => void): void {
  rawResponse[LATE_ANSWER] = complete;
  const end = rawResponse.end;
  rawResponse.end = function (this: unknown, ...args: unknown[]) {
    try {
      return end.apply(this, args);
    } finally {
      complete();
    }
  };
}

/** Called once Nest's exception layer handled the exception of a request (see `observeHttpExceptions`). */
export function lateAnswerGiven(response: unknown): void {
  const complete = rawResponseOf(response)?.[LATE_ANSWER] as (() => void) | undefined;
  complete?.();
}
