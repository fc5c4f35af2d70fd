import type { HudContextInput, HudContextValue } from './context-value.types.js';

/**
 * The current invocation's context, as `@HudContext()` injects it.
 *
 * @publicApi
 */
export interface HudContextHandle {
  set(values: Record<string, HudContextInput>): void;
  set(key: string, value: HudContextInput): void;
  get<T extends HudContextValue = HudContextValue>(key: string): T | undefined;
  getAll(): Readonly<Record<string, HudContextValue>>;
}
