// openfeature/: flags evaluated during an invocation become its context (optional peer @openfeature/server-sdk, loaded lazily).
import { writeContextEntry } from '../context/context.writer.js';
import { currentInvocation } from '../context/invocation.storage.js';
import type { Invocation } from '../context/invocation.js';
import { describeThrown } from '../hud.notes.js';

/** What the hook reads of OpenFeature's hook context (the SDK is never imported). */
export interface HudFlagHookContext {
  readonly flagKey: string;
  readonly defaultValue: unknown;
}

/** What the hook reads of an evaluation's details. */
export interface HudFlagEvaluationDetails {
  readonly flagKey: string;
  readonly value: unknown;
  readonly variant?: string;
}

/** Context keys of flags start with this: `flag.new-checkout`. */
const FLAG_KEY_PREFIX = 'flag.';

/**
 * `flag.<flagKey>` of the flags seen lately, so that an evaluation reuses one key string
 * rather than building and hashing a new one. Flag keys come from code, so there are few;
 * the cache starts over past `MAX_CACHED_KEYS` all the same.
 */
const contextKeys = new Map<string, string>();
const MAX_CACHED_KEYS = 1000;

function contextKeyOf(flagKey: string): string {
  let key = contextKeys.get(flagKey);
  if (key === undefined) {
    if (contextKeys.size >= MAX_CACHED_KEYS) contextKeys.clear();
    key = FLAG_KEY_PREFIX + flagKey;
    contextKeys.set(flagKey, key);
  }
  return key;
}

/** How many flags `invocation` holds: counted only when it could have reached a limit. */
function flagCount(invocation: Invocation, limit: number): number {
  // no flag without a key: under the limit in keys, under it in flags (the common case)
  if (invocation.keyCount < limit) return invocation.keyCount;
  let count = 0;
  for (const key of Object.keys(invocation.values)) if (key.startsWith(FLAG_KEY_PREFIX)) count++;
  return count;
}

/** A flag's value as context: booleans, strings and numbers as they are; an object's variant name. */
function flagContextValue(value: unknown, variant: string | undefined): string | number | boolean | undefined {
  if (typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number') return value;
  return typeof variant === 'string' && variant.length > 0 ? variant : undefined;
}

/**
 * An OpenFeature hook that sets each flag evaluated during an invocation into its context,
 * as `flag.<flagKey>` = the value the app got (boolean, string or number; for an object
 * value, its variant name, else nothing), so records and suspects show the flags a failing
 * request ran with. At most `maxFlags` flags per invocation (default 20); an evaluation
 * outside any invocation is left alone. Register it yourself, or let
 * `HudModule.forRoot({ openFeature: true })` register one for the app.
 *
 * @example
 * ```ts
 * OpenFeature.addHooks(new HudOpenFeatureHook({ maxFlags: 10 }));
 * ```
 * @publicApi
 */
export class HudOpenFeatureHook {
  private readonly maxFlags: number;

  constructor(options: { maxFlags?: number } = {}) {
    const maxFlags = options.maxFlags;
    this.maxFlags = typeof maxFlags === 'number' && Number.isInteger(maxFlags) && maxFlags > 0 ? maxFlags : 20;
  }

  /** A successful evaluation: the flag's evaluated value. */
  after(hookContext: Readonly<HudFlagHookContext>, details: HudFlagEvaluationDetails): void {
    const invocation = currentInvocation();
    if (invocation === undefined || !this.accepts(invocation)) return;
    this.record(invocation, hookContext.flagKey, flagContextValue(details.value, details.variant));
  }

  /** A failed evaluation: the app got the default value. */
  error(hookContext: Readonly<HudFlagHookContext>): void {
    const invocation = currentInvocation();
    if (invocation === undefined || !this.accepts(invocation)) return;
    this.record(invocation, hookContext.flagKey, flagContextValue(hookContext.defaultValue, undefined));
  }

  /** Whether flags evaluated in `invocation` are this hook's to record. */
  protected accepts(invocation: Invocation): boolean {
    return invocation.runtime.options.enabled;
  }

  private record(invocation: Invocation, flagKey: unknown, value: string | number | boolean | undefined): void {
    if (value === undefined || typeof flagKey !== 'string') return;
    const key = contextKeyOf(flagKey);
    try {
      // a flag evaluated again keeps its place; a new one needs room under maxFlags
      if (invocation.values[key] === undefined && flagCount(invocation, this.maxFlags) >= this.maxFlags) {
        invocation.runtime.notes.debug('openfeature:max-flags', `openFeature: an invocation evaluated more than ${this.maxFlags} flags (openFeature.maxFlags); the others were not recorded (noted once)`);
        return;
      }
      writeContextEntry(invocation, key, value);
    } catch (error) {
      // strict mode rejecting a value: a hook must never fail the evaluation
      invocation.runtime.notes.warn(`openfeature:${describeThrown(error)}`, `openFeature: ${describeThrown(error)}`);
    }
  }
}
