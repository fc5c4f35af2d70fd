import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { invocationStorage } from '../context/invocation.storage.js';
import type { Invocation } from '../context/invocation.js';
import { writeContext } from '../context/context.writer.js';
import { HudRuntime } from '../hud.runtime.js';
import { propagationPlanOf, readPropagatedContext } from '../propagation/context.propagation.js';
import { HUD_CONTEXT_HEADER } from '../propagation/hud-context.codec.js';
import { inspectorPaths } from '../inspector/inspector.paths.js';
import { routeVersionSuffix } from './http/route-version.label.js';

/** Where the invocation of a request is kept on the request object, for the response hook. */
const INVOCATION = Symbol('nestjs-hud.invocation');

type RequestHook = (this: unknown, req: any, res: any, done: (err?: unknown) => void) => unknown;
type ResponseHook = (this: unknown, req: any, res: any, done?: (err?: unknown) => void) => unknown;

/** The adapter slots nestjs-hud uses. Both built-in adapters run them before any middleware. */
interface HookSlots {
  onRequestHook?: RequestHook;
  onResponseHook?: ResponseHook;
  setOnRequestHook(hook: RequestHook): void;
  setOnResponseHook(hook: ResponseHook): void;
  getType(): string;
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The route pattern of a request, once routed (`/orders/:id`); Express routes late. */
function routeOf(req: any, isFastify: boolean): string | undefined {
  return isFastify ? req.routeOptions?.url : req.route?.path;
}

/** `METHOD /route/:param`, the invocation name of a request; `GET /cats/:id (v2)` for a versioned route. */
function nameOf(req: any, isFastify: boolean): string {
  const route = routeOf(req, isFastify);
  return route === undefined ? `${req.method} (no route)` : `${req.method} ${route}${routeVersionSuffix(req)}`;
}

/**
 * Starts an invocation for every HTTP request, in the adapter's request hook: the first
 * thing Express (its first middleware) and Fastify (its first `onRequest` hook) run, before
 * `app.use()` middleware, Nest middleware, guards, pipes, handlers and filters. A Nest
 * middleware of ours would run later and cost far more on Fastify. The hook is a single
 * slot, so one set before ours is chained, never replaced. Ours is installed at application
 * bootstrap, after every module's `onModuleInit`: a hook the app sets in a constructor or in
 * `onModuleInit` (which run after ours would for the root module) is chained too.
 */
@Injectable()
export class HttpBinding implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly runtime: HudRuntime,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost?.httpAdapter as unknown as HookSlots | undefined;
    // A standalone microservice (NestFactory.createMicroservice) has no HTTP adapter: null.
    if (!this.runtime.options.enabled || adapter == null || typeof adapter.setOnRequestHook !== 'function') return;
    const isFastify = adapter.getType() === 'fastify';
    const startRequest = this.requestStarter(isFastify);
    const finishRequest = this.responseFinisher(isFastify);
    const previousRequestHook = adapter.onRequestHook;
    const previousResponseHook = adapter.onResponseHook;
    const isInspectorRequest = this.inspectorMatcher();

    adapter.setOnRequestHook(function (this: unknown, req, res, done) {
      // The inspector's own requests are not invocations: looking at records never makes one.
      if (isInspectorRequest !== undefined && isInspectorRequest(req.url)) {
        return previousRequestHook === undefined ? done() : previousRequestHook.call(this, req, res, done);
      }
      const invocation = startRequest(req, res);
      return previousRequestHook === undefined
        ? invocationStorage.run(invocation, done)
        : invocationStorage.run(invocation, () => previousRequestHook.call(this, req, res, done));
    });
    adapter.setOnResponseHook(function (this: unknown, req, res, done) {
      finishRequest(req, res);
      if (previousResponseHook !== undefined) return previousResponseHook.call(this, req, res, done);
      done?.();
    });
  }

  /** Recognises the inspector's paths (with or without a trailing slash), when it is on. */
  private inspectorMatcher(): ((url: string | undefined) => boolean) | undefined {
    const inspector = this.runtime.options.inspector;
    if (inspector === undefined) return undefined;
    const paths = new Set(Object.values(inspectorPaths(inspector.path)).flatMap((path) => [path, `${path}/`]));
    return (url) => paths.has(pathOf(url));
  }

  private requestStarter(isFastify: boolean): (req: any, res: any) => Invocation {
    const runtime = this.runtime;
    // One resolver per binding, not a closure per request: the name is read off the request.
    const resolveName = (invocation: Invocation) => nameOf(invocation.request, isFastify);
    const fromHeaders = Object.entries(runtime.options.fromHeaders ?? {}).map(
      ([key, header]) => [key, header.toLowerCase()] as const,
    );
    const propagates = propagationPlanOf(runtime.options) !== null;
    return (req, res) => {
      const invocation = runtime.startInvocation('http', '');
      req[INVOCATION] = invocation;
      invocation.request = req;
      invocation.response = res;
      invocation.nameResolver = resolveName;
      // propagated first: the service's own fromHeaders win over what an upstream sent
      if (propagates) readPropagatedContext(invocation, req.headers[HUD_CONTEXT_HEADER]);
      if (fromHeaders.length > 0) {
        const headers = req.headers;
        const values: Record<string, unknown> = {};
        for (const [key, header] of fromHeaders) values[key] = headers[header];
        try {
          writeContext(invocation, values);
        } catch (error) {
          // strict mode: a bad header must not fail the request; it is reported instead
          runtime.warnOnce(`fromHeaders:${String(error)}`, `fromHeaders: ${String(error)}`);
        }
      }
      return invocation;
    };
  }

  private responseFinisher(isFastify: boolean): (req: any, res: any) => void {
    const runtime = this.runtime;
    return (req, res) => {
      const invocation: Invocation | undefined = req[INVOCATION];
      if (invocation === undefined || invocation.closed) return;
      const route = routeOf(req, isFastify);
      const statusCode: number = res.statusCode;
      // a GraphQL operation re-labelled the invocation with its own name: keep it
      if (invocation.kind === 'http') invocation.name = nameOf(req, isFastify);
      invocation.nameResolver = undefined;
      invocation.details.http = {
        method: req.method,
        route: route ?? '',
        url: pathOf(isFastify ? req.raw?.url : req.originalUrl ?? req.url),
        statusCode,
      };
      runtime.complete(invocation);
    };
  }
}
