import { HudContextValidationError } from './context-validation.error.js';
import { displayKey, keyProblem, normalizeValue, type ProblemSink } from './context-value.normalizer.js';
import type { HudContextValue } from './context-value.types.js';
import type { Invocation } from './invocation.js';
import { checkAgainstSchema } from './context-schema.checker.js';
import type { HudLimits } from '../hud.options.js';

const ARGUMENTS_KEY = '(arguments)';

/** The accepted entries of one call, side by side, and what was wrong with it. */
interface Batch extends ProblemSink {
  keys: string[];
  values: HudContextValue[];
}

function report(sink: ProblemSink, key: string, reason: string): void {
  (sink.problems ??= []).push({ key, reason });
}

/** The value to store for one entry, or `undefined` when it is skipped or dropped (and reported). */
function acceptEntry(key: unknown, raw: unknown, limits: HudLimits, sink: ProblemSink): HudContextValue | undefined {
  if (raw === undefined || raw === null) return undefined; // an absent header is not an error
  if (typeof key !== 'string') {
    report(sink, String(key), 'key is not a string');
    return undefined;
  }
  const badKey = keyProblem(key, limits);
  if (badKey !== undefined) {
    report(sink, displayKey(key, limits), badKey);
    return undefined;
  }
  try {
    return normalizeValue(raw, limits, sink, key);
  } catch {
    // a Proxy or a getter inside an array value threw while we copied it
    report(sink, key, 'reading the value threw');
    return undefined;
  }
}

/** The keys of a `set(values)` argument, or `undefined` (reported) when it has none to offer. */
function keysOf(input: unknown, sink: ProblemSink): string[] | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    report(sink, ARGUMENTS_KEY, 'expected an object of key/value pairs');
    return undefined;
  }
  try {
    return Object.keys(input);
  } catch {
    report(sink, ARGUMENTS_KEY, 'listing the keys threw');
    return undefined;
  }
}

function readEntry(input: object, key: string, limits: HudLimits, sink: ProblemSink): HudContextValue | undefined {
  let raw: unknown;
  try {
    raw = (input as Record<string, unknown>)[key];
  } catch {
    report(sink, displayKey(key, limits), 'reading the value threw');
    return undefined;
  }
  return acceptEntry(key, raw, limits, sink);
}

/** Stores one accepted value, unless it is a new key beyond `limits.maxKeys`. */
function storeEntry(invocation: Invocation, key: string, value: HudContextValue, sink: ProblemSink): void {
  const target = invocation.values;
  if (target[key] === undefined) {
    const { maxKeys } = invocation.runtime.options.limits;
    if (invocation.keyCount >= maxKeys) {
      report(sink, key, `over limits.maxKeys (${maxKeys}): key dropped`);
      return;
    }
    invocation.keyCount++;
  }
  if (typeof value === 'object') invocation.hasArrays = true;
  target[key] = value;
}

/**
 * Whether a call must be validated as a whole before anything is stored: strict mode stores
 * nothing of a call with a problem, a schema checks the accepted keys together, and listeners
 * (OpenTelemetry) receive what was stored. Otherwise each valid entry is stored as it is read,
 * which keeps the common `setContext` free of intermediate arrays.
 */
function needsBatch(invocation: Invocation): boolean {
  const { options } = invocation.runtime;
  return options.strict || options.contextSchema !== undefined || invocation.runtime.hasContextSetListeners;
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
        report(batch, key, `over limits.maxKeys (${maxKeys}): key dropped`);
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

function storeBatch(invocation: Invocation, batch: Batch): void {
  const runtime = invocation.runtime;
  if (batch.keys.length > 0 && runtime.options.contextSchema !== undefined) {
    checkAgainstSchema(runtime.options.contextSchema, batch);
  }
  enforceMaxKeys(invocation, batch);
  if (batch.problems !== undefined && runtime.options.strict) {
    throw new HudContextValidationError(batch.problems);
  }
  for (let i = 0; i < batch.keys.length; i++) storeEntry(invocation, batch.keys[i], batch.values[i], batch);
  runtime.onContextSet(invocation, batch.keys, batch.values);
}

function reportProblems(invocation: Invocation, sink: ProblemSink): void {
  if (sink.problems === undefined) return;
  invocation.noteProblems(sink.problems);
  invocation.runtime.warnAboutProblems(sink.problems);
}

/**
 * Validates `input` and merges what is valid into the invocation's context. Invalid keys are
 * dropped and reported (lenient) or the whole call is refused with a
 * `HudContextValidationError` (strict).
 */
export function writeContext(invocation: Invocation, input: unknown): void {
  const limits = invocation.runtime.options.limits;
  if (!needsBatch(invocation)) {
    const sink: ProblemSink = { problems: undefined };
    const keys = keysOf(input, sink);
    if (keys !== undefined) {
      for (const key of keys) {
        const value = readEntry(input as object, key, limits, sink);
        if (value !== undefined) storeEntry(invocation, key, value, sink);
      }
    }
    reportProblems(invocation, sink);
    return;
  }
  const batch: Batch = { keys: [], values: [], problems: undefined };
  const keys = keysOf(input, batch);
  if (keys !== undefined) {
    for (const key of keys) {
      const value = readEntry(input as object, key, limits, batch);
      if (value !== undefined) {
        batch.keys.push(key);
        batch.values.push(value);
      }
    }
  }
  storeBatch(invocation, batch);
  reportProblems(invocation, batch);
}

/** `writeContext` for a single key, without building an object for it. */
export function writeContextEntry(invocation: Invocation, key: unknown, raw: unknown): void {
  const batch: Batch = { keys: [], values: [], problems: undefined };
  const value = acceptEntry(key, raw, invocation.runtime.options.limits, batch);
  if (!needsBatch(invocation)) {
    if (value !== undefined) storeEntry(invocation, key as string, value, batch);
  } else {
    if (value !== undefined) {
      batch.keys.push(key as string);
      batch.values.push(value);
    }
    storeBatch(invocation, batch);
  }
  reportProblems(invocation, batch);
}
