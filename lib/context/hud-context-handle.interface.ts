import type { HudContextValue } from './context-value.types.js';
import type { HudContextGet, HudContextRecord, HudContextShape, HudContextSnapshot, HudContextUpdate } from './typed-context.types.js';

/**
 * The current invocation's context, as `@HudContext()` injects it. `C` declares the context's
 * shape for the compiler (`HudContextHandle<OrdersContext>`); by default any key, any value.
 *
 * @publicApi
 */
export interface HudContextHandle<C extends HudContextShape<C> = HudContextRecord> {
  set(values: HudContextUpdate<C>): void;
  set<K extends keyof C & string>(key: K, value: C[K] | null | undefined): void;
  get<R extends HudContextValue = never, K extends keyof C & string = keyof C & string>(key: K): HudContextGet<C, K, R>;
  getAll(): HudContextSnapshot<C>;
}
