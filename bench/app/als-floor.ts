import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, type CallHandler, type ExecutionContext, type INestApplication, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { WithHeaders } from './bench-headers.js';

/** The physical floor of an AsyncLocalStorage design: one run and three sets per request. */
const floorStorage = new AsyncLocalStorage<Record<string, unknown>>();

function bindFloor(req: WithHeaders, next: (err?: unknown) => void): void {
  floorStorage.run({}, () => {
    const store = floorStorage.getStore()!;
    store.client_id = req.headers['x-client-id'];
    store.request_id = req.headers['x-request-id'];
    store.user_tier = req.headers['x-user-tier'];
    next();
  });
}

/**
 * Installs the floor at the adapter level, before Nest: a Fastify `onRequest` hook, or the
 * app's first Express `app.use`. No Nest middleware, no interceptor.
 */
export function installAlsFloor(app: INestApplication, platform: 'express' | 'fastify'): void {
  if (platform === 'fastify') {
    const fastify = app.getHttpAdapter().getInstance() as {
      addHook(name: 'onRequest', hook: (req: WithHeaders, reply: unknown, done: (err?: unknown) => void) => void): void;
    };
    fastify.addHook('onRequest', (req, _reply, done) => bindFloor(req, done));
  } else {
    app.use((req: WithHeaders, _res: unknown, next: (err?: unknown) => void) => bindFloor(req, next));
  }
}

/** The least a design built on a global interceptor can cost: an interceptor doing nothing. */
@Injectable()
export class PassThroughInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}
