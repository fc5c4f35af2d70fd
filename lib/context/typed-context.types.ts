import type { HudContextInput, HudContextValue } from './context-value.types.js';

/**
 * The context when the app declares no shape: any key, any context value. The default of
 * every type parameter below, so code that names no type compiles as it always did. It is
 * also what `HudContextShape` comes to for "any shape", which is what the compiler infers
 * for `app.get(HudContextService)`: both must be the same type, or that instance would not
 * be a plain `HudContextService`.
 *
 * @publicApi
 */
export type HudContextRecord = Record<string, HudContextInput>;

/**
 * What a declared context shape must be: each key's type a context value (or `undefined`,
 * for an optional key). Written against the type itself, so an `interface` qualifies, as
 * it would not for `Record<string, ...>`.
 *
 * @example
 * interface OrdersContext { client_id: string; user_tier: 'free' | 'pro'; order_items?: number }
 * @publicApi
 */
export type HudContextShape<C> = { [K in keyof C]: HudContextInput };

/**
 * What a `set` of context shape `C` accepts: any of its keys, each with its own type (`null`
 * and `undefined` ignored, as always). A key `C` does not declare, or a value of the wrong
 * type, is a compile error: `setContext<OrdersContext>({ user_tier: 'gold' })` does not compile.
 *
 * @publicApi
 */
export type HudContextUpdate<C> = { [K in keyof C]?: C[K] | null };

/**
 * What reading the whole context of shape `C` gives: every key may be absent, as nothing
 * makes the app set them all. Without a declared shape, `Readonly<Record<string, HudContextValue>>`.
 *
 * @publicApi
 */
export type HudContextSnapshot<C> = string extends keyof C ? Readonly<Record<string, HudContextValue>> : Readonly<Partial<C>>;

/**
 * What `get(key)` returns: the key's declared type, or a type given explicitly
 * (`get<string[]>('tags')`, as before shapes existed), or `undefined` when unset.
 */
export type HudContextGet<C, K extends keyof C, R> = [R] extends [never] ? Exclude<C[K], null> | undefined : R | undefined;
