import { Injectable } from '@nestjs/common';
import { runInvocation } from './binding/invocation.runner.js';
import { HudRuntime } from './hud.runtime.js';
import { outboundHudContext } from './propagation/context.propagation.js';
import { HUD_CONTEXT_HEADER } from './propagation/hud-context.codec.js';
import type { HudContextInput, HudContextValue, HudInvocationInfo } from './context/context-value.types.js';
import { writeContext, writeContextEntry } from './context/context.writer.js';
import type { HudContextHandle } from './context/hud-context-handle.interface.js';
import type { HudContextGet, HudContextRecord, HudContextShape, HudContextSnapshot, HudContextUpdate } from './context/typed-context.types.js';
import { addBreadcrumbTo } from './context/add-breadcrumb.js';
import { markFailed } from './context/set-failure.js';
import { currentInvocation } from './context/invocation.storage.js';
import { copyOfContext, noteOutsideInvocation } from './context/set-context.js';

/**
 * The current invocation's context, injectable anywhere. It behaves as if request-scoped
 * (each invocation sees only its own context) but is a singleton on AsyncLocalStorage:
 * injecting it does not make your provider request-scoped and costs nothing per request.
 * `HudContextService<OrdersContext>` has the compiler check keys and values against a
 * declared shape (the same instance is injected whatever the type says).
 *
 * @publicApi
 */
@Injectable()
export class HudContextService<C extends HudContextShape<C> = HudContextRecord> implements HudContextHandle<C> {
  constructor(private readonly runtime: HudRuntime) {}

  /** Merges values into the current invocation's context (see `setContext`). */
  set(values: HudContextUpdate<C>): void;
  set<K extends keyof C & string>(key: K, value: C[K] | null | undefined): void;
  set(keyOrValues: string | Record<string, HudContextInput>, value?: HudContextInput): void {
    const invocation = currentInvocation();
    if (invocation === undefined) {
      noteOutsideInvocation();
      return;
    }
    if (typeof keyOrValues === 'string') writeContextEntry(invocation, keyOrValues, value);
    else writeContext(invocation, keyOrValues);
  }

  /** One value of the current context (arrays are copies), or `undefined`. */
  get<R extends HudContextValue = never, K extends keyof C & string = keyof C & string>(key: K): HudContextGet<C, K, R> {
    const value = currentInvocation()?.values[key];
    return (Array.isArray(value) ? value.slice() : value) as HudContextGet<C, K, R>;
  }

  /** A copy of the current context; `{}` outside an invocation. */
  getAll(): HudContextSnapshot<C> {
    return copyOfContext(currentInvocation()) as HudContextSnapshot<C>;
  }

  has(key: keyof C & string): boolean {
    return currentInvocation()?.values[key] !== undefined;
  }

  /** Whether code runs inside an invocation now. */
  isActive(): boolean {
    return currentInvocation() !== undefined;
  }

  /** `{ id, kind, name, startedAt }` of the current invocation, or `undefined`. */
  invocation(): HudInvocationInfo | undefined {
    return currentInvocation()?.info();
  }

  /** Notes a step of the current invocation, listed in its record if it fails (see `addBreadcrumb`). */
  addBreadcrumb(message: string, data?: Record<string, HudContextInput>): void {
    const invocation = currentInvocation();
    if (invocation !== undefined) addBreadcrumbTo(invocation, message, data);
  }

  /** Marks the current invocation as failed without throwing; the response is untouched (see `setFailure`). */
  setFailure(reason: string, context?: Record<string, HudContextInput>): void {
    const invocation = currentInvocation();
    if (invocation !== undefined) markFailed(invocation, reason, context);
  }

  /**
   * Headers that carry the current invocation's allow-listed context (`propagation.keys`) to
   * another service: `{ 'hud-context': 'client_id=acme,attempt=2;json' }` (W3C baggage
   * syntax, percent-encoded, size-limited). `{}` when propagation is off, outside an
   * invocation, or when no allow-listed key is set, so it can always be spread.
   *
   * @example
   * await fetch(url, { headers: { ...this.hud.outboundHeaders(), 'content-type': 'application/json' } });
   */
  outboundHeaders(): Record<string, string> {
    const header = outboundHudContext(currentInvocation());
    return header === undefined ? {} : { [HUD_CONTEXT_HEADER]: header };
  }

  /**
   * Runs `fn` as a new invocation of kind `custom`, recorded like any other, and returns what
   * `fn` returns. Inside an invocation it joins that one instead of nesting.
   */
  run<T>(name: string, fn: () => T): T {
    if (!this.runtime.options.enabled || currentInvocation() !== undefined) return fn();
    return runInvocation(this.runtime, this.runtime.startInvocation('custom', name), fn);
  }
}
