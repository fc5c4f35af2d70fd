import { HudContextValidationError } from './context-validation.error.js';
import { displayKey, keyProblem, normalizeValue } from './context-value.normalizer.js';
import type { HudContextProblem, HudContextValue } from './context-value.types.js';
import type { Invocation } from './invocation.js';
import { checkAgainstSchema } from './context-schema.checker.js';

const ARGUMENTS_KEY = '(arguments)';

/** A validated batch: accepted keys and values side by side, and what was wrong. */
interface Batch {
  keys: string[];
  values: HudContextValue[];
  problems: HudContextProblem[] | undefined;
}

function addEntry(invocation: Invocation, batch: Batch, key: unknown, raw: unknown): void {
  const { limits } = invocation.runtime.options;
  if (raw === undefined || raw === null) return; // an absent header is not an error
  if (typeof key !== 'string') {
    (batch.problems ??= []).push({ key: String(key), reason: 'key is not a string' });
    return;
  }
  const badKey = keyProblem(key, limits);
  if (badKey !== undefined) {
    (batch.problems ??= []).push({ key: displayKey(key, limits), reason: badKey });
    return;
  }
  const value = normalizeValue(raw, limits, (reason) => (batch.problems ??= []).push({ key, reason }));
  if (value !== undefined) {
    batch.keys.push(key);
    batch.values.push(value);
  }
}

function readEntries(invocation: Invocation, batch: Batch, input: unknown): void {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    batch.problems = [{ key: ARGUMENTS_KEY, reason: 'expected an object of key/value pairs' }];
    return;
  }
  let keys: string[];
  try {
    keys = Object.keys(input);
  } catch {
    batch.problems = [{ key: ARGUMENTS_KEY, reason: 'listing the keys threw' }];
    return;
  }
  for (const key of keys) {
    let raw: unknown;
    try {
      raw = (input as Record<string, unknown>)[key];
    } catch {
      (batch.problems ??= []).push({ key: displayKey(key, invocation.runtime.options.limits), reason: 'reading the value threw' });
      continue;
    }
    try {
      addEntry(invocation, batch, key, raw);
    } catch {
      // a Proxy or a getter inside an array value threw while we copied it
      (batch.problems ??= []).push({ key, reason: 'reading the value threw' });
    }
  }
}

/**
 * Moves the new keys that would take the invocation beyond `limits.maxKeys` from the batch to
 * its problems. Done before the strict check, so that in strict mode going over the limit
 * throws (and stores nothing of the call) like any other problem.
 */
function enforceMaxKeys(invocation: Invocation, batch: Batch): void {
  const { maxKeys } = invocation.runtime.options.limits;
  if (invocation.keyCount + batch.keys.length <= maxKeys) return;
  const existing = invocation.values;
  let count = invocation.keyCount;
  const keys: string[] = [];
  const values: HudContextValue[] = [];
  for (let i = 0; i < batch.keys.length; i++) {
    const key = batch.keys[i];
    if (existing[key] === undefined) {
      if (count >= maxKeys) {
        (batch.problems ??= []).push({ key, reason: `over limits.maxKeys (${maxKeys}): key dropped` });
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

/** Stores the accepted entries (already within `limits.maxKeys`). */
function store(invocation: Invocation, batch: Batch): void {
  const target = invocation.values;
  for (let i = 0; i < batch.keys.length; i++) {
    const key = batch.keys[i];
    if (target[key] === undefined) invocation.keyCount++;
    target[key] = batch.values[i];
  }
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
  readEntries(invocation, batch, input);
  finish(invocation, batch);
}

/** `writeContext` for a single key, without building an object for it. */
export function writeContextEntry(invocation: Invocation, key: unknown, value: unknown): void {
  const batch: Batch = { keys: [], values: [], problems: undefined };
  try {
    addEntry(invocation, batch, key, value);
  } catch {
    (batch.problems ??= []).push({ key: String(key), reason: 'reading the value threw' });
  }
  finish(invocation, batch);
}

export type { Batch as ContextBatch };
