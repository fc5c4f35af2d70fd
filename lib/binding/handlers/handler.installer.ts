// binding/handlers/: what is attached to the app's handler classes: route wrappers, the interceptor, @SetHudContext/@HudSlowThreshold metadata.
import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { HudRuntime } from '../../hud.runtime.js';
import { HudInterceptor } from './hud.interceptor.js';
import { NEST_INTERCEPTORS_METADATA, NEST_METHOD_METADATA, NEST_PATH_METADATA } from '../../hud.constants.js';
import { wrapRouteHandler } from './route-handler.wrapper.js';

/** Method metadata of handlers that are not HTTP routes: RPC patterns, WS messages, GraphQL resolvers. */
const NON_HTTP_HANDLER_METADATA = [
  'microservices:pattern',
  'message',
  'graphql:resolver_type',
  'graphql:resolve_property',
];

function isHttpRoute(handler: Function): boolean {
  return Reflect.hasOwnMetadata(NEST_PATH_METADATA, handler) && Reflect.hasOwnMetadata(NEST_METHOD_METADATA, handler);
}

function isNonHttpHandler(handler: Function): boolean {
  return NON_HTTP_HANDLER_METADATA.some((key) => Reflect.hasOwnMetadata(key, handler));
}

/**
 * Attaches nestjs-hud where handlers are, once the app's modules are scanned and before Nest
 * builds its routers: HTTP route handlers of controllers are wrapped (see `wrapRouteHandler`),
 * and classes with RPC, WebSocket or GraphQL handlers get the `HudInterceptor` as their
 * outermost class interceptor. Nothing else of the app is touched, and HTTP routes keep
 * Nest's fast path, free of any interceptor.
 */
export function installHandlerBindings(discovery: DiscoveryService, scanner: MetadataScanner, interceptor: HudInterceptor): void {
  const seen = new Set<Function>();
  const classes = [
    ...discovery.getControllers().map((wrapper) => [wrapper.metatype, true] as const),
    ...discovery.getProviders().map((wrapper) => [wrapper.metatype, false] as const),
  ];
  for (const [metatype, isController] of classes) {
    if (typeof metatype !== 'function' || seen.has(metatype) || metatype.prototype === undefined) continue;
    seen.add(metatype);
    installOn(metatype, isController, scanner.getAllMethodNames(metatype.prototype), interceptor);
  }
}

function installOn(metatype: Function, isController: boolean, methodNames: readonly string[], interceptor: HudInterceptor): void {
  let hasNonHttpHandlers = false;
  for (const name of methodNames) {
    const handler = metatype.prototype[name] as Function;
    if (isController && isHttpRoute(handler)) wrapRouteHandler(metatype, name);
    else if (isNonHttpHandler(handler)) hasNonHttpHandlers = true;
  }
  if (!hasNonHttpHandlers) return;
  // Replace the interceptor of an earlier HudModule (another app in the same process, as in
  // tests) rather than stacking a second one.
  const existing: unknown[] = Reflect.getOwnMetadata(NEST_INTERCEPTORS_METADATA, metatype) ?? [];
  const others = existing.filter((candidate) => !(candidate as { isHudInterceptor?: true })?.isHudInterceptor);
  Reflect.defineMetadata(NEST_INTERCEPTORS_METADATA, [interceptor, ...others], metatype);
}

/**
 * Installs the handler bindings when Nest creates it. That is the right moment: every module
 * is scanned, and Nest builds routers, microservice listeners, gateways and resolvers only
 * later (in `init()`), from the methods as they are then.
 */
@Injectable()
export class HandlerBinding {
  constructor(discovery: DiscoveryService, scanner: MetadataScanner, runtime: HudRuntime) {
    if (runtime.options.enabled) installHandlerBindings(discovery, scanner, new HudInterceptor(runtime));
  }
}
