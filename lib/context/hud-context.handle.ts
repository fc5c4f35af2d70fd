import type { HudContextInput, HudContextValue } from './context-value.types.js';
import { writeContext, writeContextEntry } from './context.writer.js';
import type { HudContextHandle } from './hud-context-handle.interface.js';
import type { Invocation } from './invocation.js';
import { copyOfContext, noteOutsideInvocation } from './set-context.js';

/**
 * A `HudContextHandle` tied to one invocation, as `@HudContext()` injects it: work the
 * handler hands it to (a callback, a stream) writes to that invocation, and once the
 * invocation completed, writes are ignored like any write outside an invocation.
 */
class InvocationContextHandle {
  constructor(private readonly invocation: Invocation | undefined) {}

  set(values: Record<string, HudContextInput>): void;
  set(key: string, value: HudContextInput): void;
  set(keyOrValues: string | Record<string, HudContextInput>, value?: HudContextInput): void {
    const invocation = this.invocation;
    if (invocation === undefined || invocation.closed) {
      noteOutsideInvocation();
      return;
    }
    if (typeof keyOrValues === 'string') writeContextEntry(invocation, keyOrValues, value);
    else writeContext(invocation, keyOrValues);
  }

  get(key: string): HudContextValue | undefined {
    return contextValue(this.invocation, key);
  }

  getAll(): Readonly<Record<string, HudContextValue>> {
    return copyOfContext(this.invocation);
  }
}

/** One value of an invocation's context (arrays are copies), or `undefined`. */
export function contextValue(invocation: Invocation | undefined, key: string): HudContextValue | undefined {
  if (invocation === undefined) return undefined;
  const value = invocation.values[key];
  return Array.isArray(value) ? (value.slice() as HudContextValue) : value;
}

export function contextHandleFor(invocation: Invocation | undefined): HudContextHandle {
  // The class is written untyped; the shape a caller declares is the compiler's alone.
  return new InvocationContextHandle(invocation) as unknown as HudContextHandle;
}
