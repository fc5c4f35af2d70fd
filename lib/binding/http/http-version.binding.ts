import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { HudRuntime } from '../../hud.runtime.js';
import { routeVersionLabel, setRouteVersion, type RouteVersion, type VersionSource } from './route-version.label.js';

type RouteHandler = (this: unknown, req: unknown, res: unknown, next?: (...args: unknown[]) => unknown) => unknown;

/** The adapter method Nest calls for each route of header, media-type or custom versioning. */
interface VersionFilterSlot {
  applyVersionFilter(handler: RouteHandler, version: RouteVersion, options: VersionSource): RouteHandler;
}

/** Marks an adapter whose version filter is wrapped, so that binding stays idempotent. */
const WRAPPED = Symbol.for('nestjs-hud.version-filter-wrapped');

/**
 * Names the routes of header and media-type versioning (and custom versioning) with their
 * version: `GET /cats/:id (v2)`. Their path is the same for every version, so without it
 * every version of a route would share one name. (URI versioning has the version in the
 * path already: `GET /v2/cats/:id`.)
 *
 * Nest asks the HTTP adapter for a version filter for each such route while it builds the
 * routers; both adapters then call the handler they were given only for a request of that
 * route's version. The binding gives them a handler that first labels the request with the
 * version, then calls Nest's. It is installed as soon as the app has its adapter (at
 * creation, or when a testing module creates its app), before any router is built.
 */
@Injectable()
export class HttpVersionBinding {
  constructor(adapterHost: HttpAdapterHost, runtime: HudRuntime) {
    if (!runtime.options.enabled || adapterHost == null) return;
    const init$ = (adapterHost as unknown as { init$?: Observable<void> }).init$;
    const install = () => wrapVersionFilter(adapterHost.httpAdapter, runtime);
    if (init$ !== undefined && typeof init$.subscribe === 'function') init$.subscribe(install);
    else install();
  }
}

function wrapVersionFilter(adapter: unknown, runtime: HudRuntime): void {
  const slot = adapter as (Partial<VersionFilterSlot> & { [WRAPPED]?: true }) | null | undefined;
  if (slot == null || typeof slot.applyVersionFilter !== 'function' || slot[WRAPPED]) return;
  Object.defineProperty(slot, WRAPPED, { value: true });
  const applyVersionFilter = slot.applyVersionFilter;
  slot.applyVersionFilter = function (this: unknown, handler, version, options) {
    const labelled: RouteHandler = function (this: unknown, req, res, next) {
      try {
        setRouteVersion(req, routeVersionLabel(version, options, req));
      } catch (error) {
        runtime.notes.warn('route-version', `could not read the version of a request: ${String(error)}`);
      }
      if (next === undefined) return handler.call(this, req, res);
      // passed on to another route (a host filter): that one names the request
      return handler.call(this, req, res, (...args: unknown[]) => {
        setRouteVersion(req, undefined);
        return next(...args);
      });
    };
    return applyVersionFilter.call(this, labelled, version, options);
  };
}
