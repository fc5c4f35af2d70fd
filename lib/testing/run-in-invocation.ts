import type { HudInvocationKind } from '../context/context-value.types.js';
import { runInvocation } from '../binding/invocation.runner.js';
import { resolveHudOptions } from '../hud-options.resolver.js';
import { getActiveRuntime, HudRuntime } from '../hud.runtime.js';

/** @publicApi */
export interface RunInInvocationOptions {
  /** Kind of the invocation. Default: `'custom'`. */
  kind?: HudInvocationKind;
  /** Its name, as records show it. Default: `'test'`. */
  name?: string;
  /**
   * The app or testing module whose `HudModule` records it. Default: the most recently
   * started `HudModule`; with none, a detached one with default options that records nothing.
   */
  app?: { get(token: unknown, options?: { strict?: boolean }): unknown };
}

let detached: HudRuntime | undefined;

function runtimeFor(options: RunInInvocationOptions): HudRuntime {
  if (options.app !== undefined) return options.app.get(HudRuntime, { strict: false }) as HudRuntime;
  const active = getActiveRuntime();
  if (active !== undefined) return active;
  if (detached === undefined) {
    const resolved = resolveHudOptions({});
    detached = new HudRuntime(resolved, []);
  }
  return detached;
}

/**
 * Runs `fn` as a fresh invocation, as a request or a job would run: `setContext`,
 * `HudContextService` and `hudLogFields()` see its context, and if `fn` throws or rejects
 * (or is slow) it is recorded like any other invocation. Returns what `fn` returns; a
 * synchronous `fn` stays synchronous. For unit tests of code that sets context, without an
 * HTTP server.
 *
 * @example
 * const context = runInInvocation(() => {
 *   service.applyTier('pro');
 *   return getContext();
 * }, { kind: 'job', name: 'tiers.apply' });
 * @publicApi
 */
export function runInInvocation<T>(fn: () => T, options: RunInInvocationOptions = {}): T {
  const runtime = runtimeFor(options);
  return runInvocation(runtime, runtime.startInvocation(options.kind ?? 'custom', options.name ?? 'test'), fn);
}
