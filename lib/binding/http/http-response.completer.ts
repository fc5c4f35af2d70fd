import type { Invocation } from '../../context/invocation.js';
import type { HudRuntime } from '../../hud.runtime.js';
import { awaitLateAnswer, invocationOfResponse } from './http-invocation.slot.js';
import { routeVersionSuffix } from './route-version.label.js';

export function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The route pattern of a request, once routed (`/orders/:id`); Express routes late. */
function routeOf(req: any, isFastify: boolean): string | undefined {
  return isFastify ? req.routeOptions?.url : req.route?.path;
}

/** `METHOD /route/:param`, the invocation name of a request; `GET /cats/:id (v2)` for a versioned route. */
export function nameOf(req: any, isFastify: boolean): string {
  return nameOfRoute(req, routeOf(req, isFastify));
}

function nameOfRoute(req: any, route: string | undefined): string {
  return route === undefined ? `${req.method} (no route)` : `${req.method} ${route}${routeVersionSuffix(req)}`;
}

/**
 * The URL the client sent. Fastify's `originalUrl` is the one before `@fastify/middie`
 * stripped a middleware's path prefix off `raw.url` (which stays stripped when the
 * middleware throws).
 */
function urlOf(req: any, isFastify: boolean): string {
  return pathOf(isFastify ? req.originalUrl ?? req.raw?.url : req.originalUrl ?? req.url);
}

/**
 * Completes the invocation of an HTTP request exactly once, when its response closes: after
 * it ended (Node emits `close` right after `finish`), or when the connection closed first
 * (the client left, a stream broke): then the record says `http.aborted: true`. A closed
 * connection does not end the handling: when the app has not answered yet, the invocation
 * completes once it does (an error it ends with is still recorded), see `awaitLateAnswer`.
 */
export class HttpResponseCompleter {
  /** The `close` listener of every response (`this` is the response): no closure per request. */
  readonly onClose: (this: any) => void;

  constructor(
    private readonly runtime: HudRuntime,
    private readonly isFastify: boolean,
  ) {
    const completer = this;
    this.onClose = function (this: any) {
      completer.responseClosed(this);
    };
  }

  private responseClosed(res: any): void {
    const invocation = invocationOfResponse(res);
    if (invocation === undefined || invocation.closed) return;
    // The app handed over its whole answer (`end()`; HTTP/2 responses say `finished`). Not
    // `writableFinished`: Fastify's `inject()` responses have no socket to flush to.
    if (res.writableEnded ?? res.finished) return this.complete(invocation, false);
    // The answer was under way (a stream cut off or broken, a download the client left):
    // the handling is over. Otherwise the app is still working on it.
    if (res.headersSent) return this.complete(invocation, true);
    awaitLateAnswer(res, () => this.complete(invocation, true));
  }

  private complete(invocation: Invocation, aborted: boolean): void {
    if (invocation.closed) return;
    const req: any = invocation.exchange?.request;
    const res: any = invocation.exchange?.response;
    const route = routeOf(req, this.isFastify);
    // a GraphQL operation re-labelled the invocation with its own name: keep it
    if (invocation.kind === 'http') invocation.name = nameOfRoute(req, route);
    invocation.nameResolver = undefined;
    const http: NonNullable<Invocation['details']['http']> = {
      method: req.method,
      route: route ?? '',
      url: urlOf(req, this.isFastify),
      statusCode: res.statusCode,
    };
    if (aborted) http.aborted = true;
    invocation.details.http = http;
    noteBodyStreamError(invocation);
    this.runtime.complete(invocation);
  }
}

/**
 * A `StreamableFile` whose stream failed: Nest answers it itself (a 400, or a cut
 * connection) without the error reaching any exception filter, so it is noted here.
 */
function noteBodyStreamError(invocation: Invocation): void {
  const errored: unknown = (invocation.exchange?.bodyStream as { errored?: unknown } | undefined)?.errored;
  if (errored != null) invocation.noteError(errored);
}
