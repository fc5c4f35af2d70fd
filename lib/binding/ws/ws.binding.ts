// binding/ws/: each WebSocket message a gateway handles becomes an invocation.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HudRuntime } from '../../hud.runtime.js';
import { runInvocation } from '../invocation.runner.js';
import { wsMessageName } from './ws.naming.js';

/** One `@SubscribeMessage` handler as Nest hands it to the adapter, per connection. */
interface MessageMapping {
  message: unknown;
  callback: (...args: unknown[]) => unknown;
}

/** Nest's `WebSocketAdapter` interface: `bindMessageHandlers` is how any adapter gets handlers. */
interface MessageAdapter {
  bindMessageHandlers(client: unknown, handlers: MessageMapping[], transform: (data: unknown) => unknown): unknown;
}

/** Marks an adapter whose handlers are wrapped, so that instrumenting stays idempotent. */
const INSTRUMENTED = Symbol.for('nestjs-hud.ws-instrumented');

/** The app's WebSocket adapter, kept by Nest's `ApplicationConfig` (not injectable itself). */
function ioAdapterOf(moduleRef: ModuleRef): unknown {
  try {
    const container = (moduleRef as unknown as { container?: { applicationConfig?: { getIoAdapter?(): unknown } } }).container;
    return container?.applicationConfig?.getIoAdapter?.();
  } catch {
    return undefined;
  }
}

function isMessageAdapter(adapter: unknown): adapter is MessageAdapter {
  return adapter !== null && typeof adapter === 'object' && typeof (adapter as MessageAdapter).bindMessageHandlers === 'function';
}

/**
 * Starts an invocation of kind `ws` for every message a gateway's `@SubscribeMessage`
 * handler receives, around the whole handler chain, so that context set in guards (which
 * run before any interceptor) lands too. It is named after the message (`orders.create`).
 *
 * Nest gives the app's WebSocket adapter (ws, socket.io or a custom one) each connection's
 * handlers through `bindMessageHandlers`; the binding shadows that method on the adapter
 * instance and hands it wrapped handlers. Nest connects gateways before the init hooks run
 * and clients can only connect after, so `onModuleInit` is in time. When the adapter cannot
 * be reached, the global interceptor still starts the invocation, after the guards.
 */
@Injectable()
export class WsBinding implements OnModuleInit {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly runtime: HudRuntime,
  ) {}

  onModuleInit(): void {
    if (!this.runtime.options.enabled) return;
    const adapter = ioAdapterOf(this.moduleRef);
    if (!isMessageAdapter(adapter)) return;
    const instrumented = adapter as MessageAdapter & { [INSTRUMENTED]?: true };
    if (instrumented[INSTRUMENTED]) return;
    Object.defineProperty(instrumented, INSTRUMENTED, { value: true });
    const runtime = this.runtime;
    const bindMessageHandlers = adapter.bindMessageHandlers;
    adapter.bindMessageHandlers = function (this: MessageAdapter, client, handlers, transform) {
      const wrapped = Array.isArray(handlers)
        ? handlers.map((handler) => ({ ...handler, callback: wrapWsHandler(runtime, handler.callback, wsMessageName(handler.message)) }))
        : handlers;
      return bindMessageHandlers.call(this, client, wrapped, transform);
    };
  }
}

/** Each call of `callback` (one message) is its own invocation, whatever runs around it. */
function wrapWsHandler(runtime: HudRuntime, callback: MessageMapping['callback'], name: string): MessageMapping['callback'] {
  if (typeof callback !== 'function') return callback;
  return function (this: unknown, ...args: unknown[]): unknown {
    const invocation = runtime.startInvocation('ws', name);
    return runInvocation(runtime, invocation, () => callback.apply(this, args), true);
  };
}
