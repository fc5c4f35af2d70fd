import { HudContextValidationError } from './context-validation.error.js';
import { displayKey, reportProblem as report, type ProblemSink } from './context-value.normalizer.js';
import type { HudContextValue } from './context-value.types.js';
import type { Invocation } from './invocation.js';
import { checkAgainstSchema } from './context-schema.checker.js';
import { acceptEntry, argumentProblem, ARGUMENTS_KEY, keysOf, readLimit, readValue, reportReadStop } from './context-input.reader.js';
import type { HudLimits } from '../options/hud-limits.options.js';

const hasOwn = Object.prototype.hasOwnProperty;

/** The accepted entries of one call, side by side, and what was wrong with it. */
interface Batch extends ProblemSink {
  keys: string[];
  values: HudContextValue[];
}

/** What a call stored, for the listeners (OpenTelemetry); only collected when there are any. */
interface Stored {
  keys: string[];
  values: HudContextValue[];
}

/** Stores one accepted value, unless it is a new key beyond `limits.maxKeys`. */
function storeEntry(invocation: Invocation, key: string, value: HudContextValue, sink: ProblemSink, stored?: Stored): void {
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
  if (stored !== undefined) {
    stored.keys.push(key);
    stored.values.push(value);
  }
}

function storedCollector(invocation: Invocation): Stored | undefined {
  return invocation.runtime.hasContextSetListeners ? { keys: [], values: [] } : undefined;
}

function notifyListeners(invocation: Invocation, stored: Stored | undefined): void {
  if (stored !== undefined) invocation.runtime.onContextSet(invocation, stored.keys, stored.values);
}

/**
 * Whether a call must be validated as a whole before anything is stored: strict mode stores
 * nothing of a call with a problem, and a schema checks the accepted keys together.
 * Otherwise each valid entry is stored as it is read, which keeps the common `setContext`
 * free of intermediate arrays.
 */
function needsBatch(invocation: Invocation): boolean {
  const { options } = invocation.runtime;
  return options.strict || options.contextSchema !== undefined;
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
    checkAgainstSchema(runtime.options.contextSchema, batch, runtime.redactor);
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

/** A key that needs no further look: the common case, checked without building a reason. */
function isPlainKey(key: string, limits: HudLimits): boolean {
  return key.length !== 0 && key.length <= limits.maxKeyLength && key !== '__proto__' && key !== 'constructor' && key !== 'prototype';
}

/**
 * The lenient path: stores each valid entry as it is read. `for...in` with an own-property
 * check lists what `Object.keys` lists, in the same order, without allocating the key array;
 * a plain key with a string, finite number or boolean value within the limits (an id, a
 * tier, a flag) is stored without the normalizer's bookkeeping.
 */
function writeEach(
  invocation: Invocation,
  input: Record<string, unknown>,
  limits: HudLimits,
  sink: ProblemSink,
  stored: Stored | undefined,
): void {
  let left = readLimit(limits);
  try {
    for (const key in input) {
      if (!hasOwn.call(input, key)) continue;
      let raw: unknown;
      try {
        raw = input[key];
      } catch {
        report(sink, displayKey(key, limits), 'reading the value threw');
        continue;
      }
      if (raw === undefined || raw === null) continue; // an absent header is not an error
      if (left-- === 0) {
        reportReadStop(sink, limits);
        break;
      }
      if (
        isPlainKey(key, limits) &&
        ((typeof raw === 'string' && raw.length <= limits.maxStringLength) ||
          typeof raw === 'boolean' ||
          (typeof raw === 'number' && Number.isFinite(raw)))
      ) {
        storeEntry(invocation, key, raw, sink, stored);
        continue;
      }
      const value = acceptEntry(key, raw, limits, sink);
      if (value !== undefined) storeEntry(invocation, key, value, sink, stored);
    }
  } catch {
    // a Proxy whose ownKeys, getPrototypeOf or has trap throws
    report(sink, ARGUMENTS_KEY, 'listing the keys threw');
  }
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
    const stored = storedCollector(invocation);
    const problem = argumentProblem(input);
    if (problem !== undefined) {
      report(sink, ARGUMENTS_KEY, problem);
    } else {
      writeEach(invocation, input as Record<string, unknown>, limits, sink, stored);
    }
    notifyListeners(invocation, stored);
    reportProblems(invocation, sink);
    return;
  }
  const batch: Batch = { keys: [], values: [], problems: undefined };
  const keys = keysOf(input, batch);
  if (keys !== undefined) {
    let left = readLimit(limits);
    for (const key of keys) {
      const raw = readValue(input as object, key, limits, batch);
      if (raw === undefined || raw === null) continue;
      if (left-- === 0) {
        reportReadStop(batch, limits);
        break;
      }
      const value = acceptEntry(key, raw, limits, batch);
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
    const stored = storedCollector(invocation);
    if (value !== undefined) storeEntry(invocation, key as string, value, batch, stored);
    notifyListeners(invocation, stored);
  } else {
    if (value !== undefined) {
      batch.keys.push(key as string);
      batch.values.push(value);
    }
    storeBatch(invocation, batch);
  }
  reportProblems(invocation, batch);
}
