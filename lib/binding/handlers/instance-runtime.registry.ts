import { getActiveRuntime, type HudRuntime } from '../../hud.runtime.js';

/**
 * Which HudModule an object belongs to, for wrapped methods that run on it. A class's
 * prototype is shared by every app in the process (tests start several), so a wrapper put on
 * the prototype cannot hold a runtime of its own; the app that owns the instance registers
 * it here at start-up.
 */
const runtimeOfInstance = new WeakMap<object, HudRuntime>();

export function registerInstanceRuntime(instance: object, runtime: HudRuntime): void {
  runtimeOfInstance.set(instance, runtime);
}

/** The runtime that owns `instance`, else the one of the most recently started HudModule. */
export function runtimeFor(instance: unknown): HudRuntime | undefined {
  if (instance !== null && (typeof instance === 'object' || typeof instance === 'function')) {
    const runtime = runtimeOfInstance.get(instance);
    if (runtime !== undefined) return runtime;
  }
  return getActiveRuntime();
}
