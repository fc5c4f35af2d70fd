// binding/rpc/: each message a microservice server (TCP, Redis, NATS, MQTT, gRPC, custom) hands to a handler becomes an invocation.
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Observable, Subscription } from 'rxjs';
import { HudRuntime } from '../../hud.runtime.js';
import { keepReceivedMetadata } from '../../propagation/packet-metadata.fallback.js';
import { warnIfRedisDropsPropagation } from '../../propagation/redis-metadata.check.js';
import { isWrappedHandler, wrapMessageHandler, type MessageHandler } from './rpc-handler.wrapper.js';
import { patternName, transportName } from './rpc-pattern.name.js';
import { grpcRouteName } from './grpc-method.name.js';

/** What nestjs-hud needs of a microservice server; Nest's `Server` base class has it all. */
interface MessageServer {
  transportId?: unknown;
  getHandlers(): Map<string, MessageHandler>;
  addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: object): void;
}

/**
 * Where Nest announces each microservice server it creates (`ModulesContainer`, Nest 10+).
 * The one reason this binding needs the container: servers are not providers, so
 * `DiscoveryService` never sees them, and their handler maps are only reachable here.
 */
interface RpcTargetSource {
  getRpcTargetRegistry(): Observable<unknown>;
}

/** Marks a server whose handlers are wrapped, so that instrumenting stays idempotent. */
const INSTRUMENTED = Symbol.for('nestjs-hud.rpc-instrumented');

function isMessageServer(target: unknown): target is MessageServer {
  if (target === null || typeof target !== 'object') return false;
  const server = target as Partial<MessageServer>;
  return typeof server.getHandlers === 'function' && typeof server.addHandler === 'function';
}

/**
 * Starts an invocation for every message a microservice server hands to a `@MessagePattern`
 * or `@EventPattern` handler, around the whole handler chain, so that context set in guards
 * (which run before any interceptor) lands too.
 *
 * Nest announces every server it creates — `NestFactory.createMicroservice`,
 * `app.connectMicroservice` in a hybrid app, a testing module's `createNestMicroservice` —
 * on the `ModulesContainer`'s RPC target registry, a replaying stream, before it registers
 * the handlers. The binding wraps the handlers already registered and, by wrapping the
 * server's own `addHandler`, those registered later. It subscribes when it is built rather
 * than at an init hook: `startAllMicroservices()` may start taking messages before
 * `app.listen()` runs the init hooks.
 *
 * A server that is not built on Nest's `Server` class is left alone; for its handlers the
 * global interceptor starts the invocation, after the guards.
 */
@Injectable()
export class RpcBinding implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly subscription: Subscription | undefined;
  /** Boot-time checks of the servers seen (see `warnIfRedisDropsPropagation`). */
  private readonly checks: Promise<void>[] = [];

  constructor(modulesContainer: ModulesContainer, runtime: HudRuntime) {
    const source = modulesContainer as Partial<RpcTargetSource>;
    if (!runtime.options.enabled || typeof source.getRpcTargetRegistry !== 'function') return;
    this.subscription = source.getRpcTargetRegistry().subscribe((target) => {
      try {
        const check = instrumentServer(runtime, target);
        if (check !== undefined) this.checks.push(check);
      } catch (error) {
        runtime.notes.warn('rpc-instrument', `could not bind a microservice server's handlers: ${String(error)}`);
      }
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.checks);
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}

/** Wraps a server's handlers; returns the boot-time check it started, if any. */
function instrumentServer(runtime: HudRuntime, target: unknown): Promise<void> | undefined {
  if (!isMessageServer(target)) return undefined;
  const server = target as MessageServer & { [INSTRUMENTED]?: true };
  if (server[INSTRUMENTED]) return undefined;
  Object.defineProperty(server, INSTRUMENTED, { value: true });
  const transport = transportName(server);
  // Nest 11's TcpContext has no getMetadata(): keep the propagated context off the raw packet
  if (transport === 'TCP' && runtime.propagation !== null) keepReceivedMetadata(server);
  // ...while Nest 11's Redis server drops it before anything can read it: say so at boot
  const check = transport === 'REDIS' && runtime.propagation !== null ? warnIfRedisDropsPropagation(runtime) : undefined;

  const wrapRegisteredHandlers = (): void => {
    const handlers = server.getHandlers();
    for (const [route, handler] of handlers) {
      if (typeof handler === 'function' && !isWrappedHandler(handler)) {
        // the gRPC server keys its handlers by their pattern's JSON: named `Service/Method` instead
        const name = (transport === 'GRPC' ? grpcRouteName(route) : undefined) ?? patternName(route);
        handlers.set(route, wrapMessageHandler(runtime, handler, name, transport));
      }
    }
  };
  wrapRegisteredHandlers();
  const addHandler = server.addHandler;
  // An own property shadows the class's method for this server only. Re-scanning the map
  // (small, and only at start-up) leaves the server's own pattern normalization to it.
  server.addHandler = function (this: MessageServer, ...args: Parameters<MessageServer['addHandler']>): void {
    addHandler.apply(this, args);
    wrapRegisteredHandlers();
  };
  return check;
}
