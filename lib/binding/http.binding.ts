import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { invocationStorage } from '../context/invocation.storage.js';
import type { Invocation } from '../context/invocation.js';
import { writeContext } from '../context/context.writer.js';
import { HudRuntime } from '../hud.runtime.js';

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

/**
 * Starts an invocation for every HTTP request, in the adapter's request hook: the first
 * thing Express (its first middleware) and Fastify (its first `onRequest` hook) run, before
 * `app.use()` middleware, Nest middleware, guards, pipes, handlers and filters. A Nest
 * middleware of ours would run later and cost far more on Fastify. The hook is a single
 * slot, so one set before ours is chained, never replaced.
 */
@Injectable()
export class HttpBinding implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly runtime: HudRuntime,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter as unknown as HookSlots | undefined;
    // A standalone application context or microservice has no HTTP adapter: null.
    if (!this.runtime.options.enabled || adapter == null || typeof adapter.setOnRequestHook !== 'function') return;
    const isFastify = adapter.getType() === 'fastify';
    const startRequest = this.requestStarter();
    const finishRequest = this.responseFinisher(isFastify);
    const previousRequestHook = adapter.onRequestHook;
    const previousResponseHook = adapter.onResponseHook;

    adapter.setOnRequestHook(function (this: unknown, req, res, done) {
      const invocation = startRequest(req);
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

  private requestStarter(): (req: any) => Invocation {
    const runtime = this.runtime;
    const fromHeaders = Object.entries(runtime.options.fromHeaders ?? {}).map(
      ([key, header]) => [key, header.toLowerCase()] as const,
    );
    return (req) => {
      const invocation = runtime.startInvocation('http', '');
      req[INVOCATION] = invocation;
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
      const method: string = req.method;
      const route: string | undefined = isFastify ? req.routeOptions?.url : req.route?.path;
      const statusCode: number = res.statusCode;
      invocation.name = `${method} ${route ?? '(no route)'}`;
      invocation.details.http = {
        method,
        route: route ?? '',
        url: pathOf(isFastify ? req.raw?.url : req.originalUrl ?? req.url),
        statusCode,
      };
      runtime.complete(invocation);
    };
  }
}
