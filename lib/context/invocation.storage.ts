import { AsyncLocalStorage } from 'node:async_hooks';
import { HUD_STORAGE_KEY } from '../hud.constants.js';
import type { Invocation } from './invocation.js';

type GlobalWithStorage = typeof globalThis & { [HUD_STORAGE_KEY]?: AsyncLocalStorage<Invocation> };

/**
 * The one AsyncLocalStorage of the process. Kept on a `Symbol.for` global so that every
 * copy of nestjs-hud loaded in the process (CJS and ESM builds, two versions) binds and
 * reads the same invocations.
 */
export const invocationStorage: AsyncLocalStorage<Invocation> = ((globalThis as GlobalWithStorage)[
  HUD_STORAGE_KEY
] ??= new AsyncLocalStorage<Invocation>());

/** The invocation being handled now, or `undefined` outside any (or once it completed). */
export function currentInvocation(): Invocation | undefined {
  const invocation = invocationStorage.getStore();
  return invocation === undefined || invocation.closed ? undefined : invocation;
}
