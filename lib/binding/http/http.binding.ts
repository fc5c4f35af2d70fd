// binding/http/: an HTTP request (Express or Fastify, GraphQL over HTTP) becomes an invocation from the adapter hook to the response.
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { invocationStorage } from '../../context/invocation.storage.js';
import type { Invocation } from '../../context/invocation.js';
import { writeContext } from '../../context/context.writer.js';
import { HudRuntime } from '../../hud.runtime.js';
import { readPropagatedContext } from '../../propagation/context.propagation.js';
import { HUD_CONTEXT_HEADER } from '../../propagation/hud-context.codec.js';
import { inspectorPaths } from '../../inspector/inspector.paths.js';
import { attachInvocation, rawResponseOf } from './http-invocation.slot.js';
import { HttpResponseCompleter, nameOf, pathOf } from './http-response.completer.js';
import { observeHttpExceptions } from './exceptions-handler.observer.js';

type RequestHook = (this: unknown, req: any, res: any, done: (err?: unknown) => void) => unknown;

/** The adapter slots nestjs-hud uses. Both built-in adapters run them before any middleware. */
interface HookSlots {
  onRequestHook?: RequestHook;
  setOnRequestHook(hook: RequestHook): void;
  getType(): string;
}

/**
 * Starts an invocation for every HTTP request, in the adapter's request hook: the first
 * thing Express (its first middleware) and Fastify (its first `onRequest` hook) run, before
 * `app.use()` middleware, Nest middleware, guards, pipes, handlers and filters. A Nest
 * middleware of ours would run later and cost far more on Fastify. The hook is a single
 * slot, so one set before ours is chained, never replaced. Ours is installed at application
 * bootstrap, after every module's `onModuleInit`: a hook the app sets in a constructor or in
 * `onModuleInit` (which run after ours would for the root module) is chained too.
 *
 * The invocation completes when the response closes (see `HttpResponseCompleter`): one
 * `close` listener per request, and no response hook (the app keeps that slot to itself).
 * Errors are noted before any exception filter runs (see `observeHttpExceptions`).
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
    observeHttpExceptions();
    const startRequest = this.requestStarter(isFastify, new HttpResponseCompleter(this.runtime, isFastify));
    const previousRequestHook = adapter.onRequestHook;
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
  }

  /** Recognises the inspector's paths (with or without a trailing slash), when it is on. */
  private inspectorMatcher(): ((url: string | undefined) => boolean) | undefined {
    const inspector = this.runtime.options.inspector;
    if (inspector === undefined) return undefined;
    const paths = new Set(Object.values(inspectorPaths(inspector.path)).flatMap((path) => [path, `${path}/`]));
    return (url) => paths.has(pathOf(url));
  }

  private requestStarter(isFastify: boolean, completer: HttpResponseCompleter): (req: any, res: any) => Invocation {
    const runtime = this.runtime;
    // One resolver per binding, not a closure per request: the name is read off the request.
    const resolveName = (invocation: Invocation) => nameOf(invocation.exchange?.request, isFastify);
    const fromHeaders = Object.entries(runtime.options.fromHeaders ?? {}).map(
      ([key, header]) => [key, header.toLowerCase()] as const,
    );
    const propagates = runtime.propagation !== null;
    return (req, res) => {
      const invocation = runtime.startInvocation('http', '');
      const rawResponse = isFastify ? rawResponseOf(res) : res;
      attachInvocation(rawResponse, invocation);
      rawResponse.on('close', completer.onClose);
      invocation.exchange = { request: req, response: res };
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
          runtime.notes.warn(`fromHeaders:${String(error)}`, `fromHeaders: ${String(error)}`);
        }
      }
      return invocation;
    };
  }
}
