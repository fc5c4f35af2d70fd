import { HudContextValidationError } from './context-validation.error.js';
import { displayKey, keyProblem, normalizeValue } from './context-value.normalizer.js';
import type { HudContextProblem, HudContextValue } from './context-value.types.js';
import type { Invocation } from './invocation.js';
import { checkAgainstSchema } from './context-schema.checker.js';
import type { HudLimits } from '../hud.options.js';

const ARGUMENTS_KEY = '(arguments)';
const hasOwn = Object.prototype.hasOwnProperty;

/** A validated batch: accepted keys and values side by side, and what was wrong. */
interface Batch {
  keys: string[];
  values: HudContextValue[];
  problems: HudContextProblem[] | undefined;
}

function addProblem(batch: Batch, key: string, reason: string): void {
  (batch.problems ??= []).push({ key, reason });
}

/** A non-string key as named in a problem; its `toString` may throw, and must not escape. */
function nameOfKey(key: unknown): string {
  try {
    return String(key);
  } catch {
    return '(a key that cannot be printed)';
  }
}

function addEntry(limits: HudLimits, batch: Batch, key: unknown, raw: unknown): void {
  if (raw === undefined || raw === null) return; // an absent header is not an error
  if (typeof key !== 'string') {
    addProblem(batch, nameOfKey(key), 'key is not a string');
    return;
  }
  const badKey = keyProblem(key, limits);
  if (badKey !== undefined) {
    addProblem(batch, displayKey(key, limits), badKey);
    return;
  }
  // The common case (an id, a tier, a flag) is stored as given, without the normalizer's
  // bookkeeping: a string within the limit, a finite number or a boolean.
  if (
    (typeof raw === 'string' && raw.length <= limits.maxStringLength) ||
    typeof raw === 'boolean' ||
    (typeof raw === 'number' && Number.isFinite(raw))
  ) {
    batch.keys.push(key);
    batch.values.push(raw);
    return;
  }
  const value = normalizeValue(raw, limits, (reason) => addProblem(batch, key, reason));
  if (value !== undefined) {
    batch.keys.push(key);
    batch.values.push(value);
  }
}

function readEntries(limits: HudLimits, batch: Batch, input: unknown): void {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    batch.problems = [{ key: ARGUMENTS_KEY, reason: 'expected an object of key/value pairs' }];
    return;
  }
  const entries = input as Record<string, unknown>;
  try {
    // `for...in` with an own-property check lists exactly what `Object.keys` lists, in the same
    // order, and lets V8 read each value through its enumeration cache: about twice as fast
    // on the hot path of every request.
    for (const key in entries) {
      let raw: unknown;
      try {
        if (!hasOwn.call(entries, key)) continue;
        raw = entries[key];
      } catch {
        addProblem(batch, displayKey(key, limits), 'reading the value threw');
        continue;
      }
      try {
        addEntry(limits, batch, key, raw);
      } catch {
        // a Proxy or a getter inside an array value threw while we copied it
        addProblem(batch, displayKey(key, limits), 'reading the value threw');
      }
    }
  } catch {
    // a Proxy whose ownKeys, getPrototypeOf or has trap throws
    addProblem(batch, ARGUMENTS_KEY, 'listing the keys threw');
  }
}

/**
 * Moves the new keys that would take the invocation beyond `limits.maxKeys` from the batch to
 * its problems. Done before the strict check, so that in strict mode going over the limit
 * throws (and stores nothing of the call) like any other problem.
 *
 * `invocation.keyCount` is an upper bound (see `store`); only when it says the limit may be
 * reached are the keys counted exactly.
 */
function enforceMaxKeys(invocation: Invocation, batch: Batch): void {
  const { maxKeys } = invocation.runtime.options.limits;
  if (invocation.keyCount + batch.keys.length <= maxKeys) return;
  const existing = invocation.values;
  let count = Object.keys(existing).length;
  invocation.keyCount = count;
  if (count + batch.keys.length <= maxKeys) return;
  const keys: string[] = [];
  const values: HudContextValue[] = [];
  for (let i = 0; i < batch.keys.length; i++) {
    const key = batch.keys[i];
    if (existing[key] === undefined) {
      if (count >= maxKeys) {
        addProblem(batch, key, `over limits.maxKeys (${maxKeys}): key dropped`);
        continue;
      }
      count++;
    }
    keys.push(key);
    values.push(batch.values[i]);
  }
  batch.keys = keys;
  batch.values = values;
}

/**
 * Stores the accepted entries (already within `limits.maxKeys`). `keyCount` grows by every
 * key stored, new or not: an upper bound that spares a lookup per key on the hot path.
 */
function store(invocation: Invocation, batch: Batch): void {
  const target = invocation.values;
  const { keys, values } = batch;
  for (let i = 0; i < keys.length; i++) target[keys[i]] = values[i];
  invocation.keyCount += keys.length;
}

function finish(invocation: Invocation, batch: Batch): void {
  const runtime = invocation.runtime;
  if (batch.keys.length > 0 && runtime.options.contextSchema !== undefined) {
    checkAgainstSchema(runtime.options.contextSchema, batch);
  }
  enforceMaxKeys(invocation, batch);
  if (batch.problems !== undefined && runtime.options.strict) {
    throw new HudContextValidationError(batch.problems);
  }
  store(invocation, batch);
  runtime.onContextSet(invocation, batch.keys, batch.values);
  if (batch.problems !== undefined) {
    invocation.noteProblems(batch.problems);
    runtime.warnAboutProblems(batch.problems);
  }
}

/**
 * Validates `input` and merges what is valid into the invocation's context. Invalid keys are
 * dropped and reported (lenient) or the whole call is refused with a
 * `HudContextValidationError` (strict).
 */
export function writeContext(invocation: Invocation, input: unknown): void {
  const batch: Batch = { keys: [], values: [], problems: undefined };
  readEntries(invocation.runtime.options.limits, batch, input);
  finish(invocation, batch);
}

/** `writeContext` for a single key, without building an object for it. */
export function writeContextEntry(invocation: Invocation, key: unknown, value: unknown): void {
  const batch: Batch = { keys: [], values: [], problems: undefined };
  try {
    addEntry(invocation.runtime.options.limits, batch, key, value);
  } catch {
    addProblem(batch, typeof key === 'string' ? displayKey(key, invocation.runtime.options.limits) : nameOfKey(key), 'reading the value threw');
  }
  finish(invocation, batch);
}

export type { Batch as ContextBatch };
