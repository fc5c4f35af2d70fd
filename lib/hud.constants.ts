/** Metadata key written by `@SetHudContext()`. */
export const HUD_SET_CONTEXT_METADATA = 'nestjs-hud:set-context';
/** Metadata key written by `@HudSlowThreshold()`. */
export const HUD_SLOW_THRESHOLD_METADATA = 'nestjs-hud:slow-threshold';
/** Marks a method already wrapped by `@HudInvocation()`, so wrapping stays idempotent. */
export const HUD_INVOCATION_WRAPPED = Symbol.for('nestjs-hud.invocation-wrapped');
/**
 * The process-wide AsyncLocalStorage lives under this registered symbol, so that two
 * copies of the package (CJS and ESM, or two versions) share one store.
 */
export const HUD_STORAGE_KEY = Symbol.for('nestjs-hud.invocation-storage');
/** The runtime decorators use lives under this registered symbol, shared by every copy too. */
export const HUD_ACTIVE_RUNTIME_KEY = Symbol.for('nestjs-hud.active-runtime');
/** The runtimes of every HudModule running, so that closing one app falls back to another. */
export const HUD_RUNNING_RUNTIMES_KEY = Symbol.for('nestjs-hud.running-runtimes');
/** Brands a `HudContextValidationError`, so `instanceof` holds for one thrown by another copy. */
export const HUD_VALIDATION_ERROR_BRAND = Symbol.for('nestjs-hud.context-validation-error');
/** Keys that could reach an object's prototype chain; never accepted as context keys. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** Marks a controller method already wrapped as an HTTP route handler. */
export const HUD_ROUTE_HANDLER_WRAPPED = Symbol.for('nestjs-hud.route-handler-wrapped');
/** Nest's own metadata keys, as strings: their import paths differ between Nest 11 and 12. */
export const NEST_PATH_METADATA = 'path';
export const NEST_METHOD_METADATA = 'method';
export const NEST_INTERCEPTORS_METADATA = '__interceptors__';
/**
 * Most problems (dropped keys, truncations) a record lists, a warning names and a strict-mode
 * error lists; the total is counted beside them. Hostile input cannot make any of them large.
 */
export const MAX_LISTED_PROBLEMS = 20;
/** A W3C baggage key: an RFC 7230 token, less `%` (keys are never percent-decoded); what `propagation.keys` may hold. */
export const BAGGAGE_KEY = /^[A-Za-z0-9!#$&'*+.^_`|~-]+$/;
