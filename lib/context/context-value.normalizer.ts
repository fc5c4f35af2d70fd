import { FORBIDDEN_KEYS } from '../hud.constants.js';
import type { HudLimits } from '../options/hud-limits.options.js';
import type { HudContextProblem, HudContextValue } from './context-value.types.js';
import { cutText } from './utf16.text.js';

/** Collects what was wrong with a call; `problems` stays undefined while all is well. */
export interface ProblemSink {
  problems: HudContextProblem[] | undefined;
}

export function reportProblem(sink: ProblemSink, key: string, reason: string): void {
  (sink.problems ??= []).push({ key, reason });
}

/** Why `key` cannot be a context key, or `undefined` when it can. */
export function keyProblem(key: string, limits: HudLimits): string | undefined {
  if (key.length === 0) return 'key is empty';
  if (key.length > limits.maxKeyLength) return `key is longer than limits.maxKeyLength (${limits.maxKeyLength})`;
  if (FORBIDDEN_KEYS.has(key)) return 'key is reserved (it could reach the prototype chain)';
  return undefined;
}

/** How a key is shown in warnings and records: bounded, so a huge key cannot flood a log. */
export function displayKey(key: string, limits: HudLimits): string {
  return key.length > limits.maxKeyLength ? `${cutText(key, limits.maxKeyLength)}…` : key;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'Date';
  if (typeof value === 'object') {
    const ctor = Object.getPrototypeOf(value)?.constructor;
    return ctor && ctor !== Object ? `instance of ${ctor.name || 'a class'}` : 'object';
  }
  return typeof value;
}

function scalarProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `number ${value} is not finite`;
    default:
      return `${describeType(value)} is not a string, number or boolean`;
  }
}

function truncateString(value: string, limits: HudLimits, sink: ProblemSink, key: string): string {
  if (value.length <= limits.maxStringLength) return value;
  reportProblem(sink, key, `string truncated to limits.maxStringLength (${limits.maxStringLength}) from ${value.length} characters`);
  return cutText(value, limits.maxStringLength);
}

function normalizeArray(
  value: readonly unknown[],
  limits: HudLimits,
  sink: ProblemSink,
  key: string,
): HudContextValue | undefined {
  const length = value.length;
  const kept = Math.min(length, limits.maxArrayLength);
  const copy = new Array(kept);
  let itemType: string | undefined;
  let truncatedStrings = false;
  for (let i = 0; i < kept; i++) {
    let item = value[i];
    const problem = scalarProblem(item);
    if (problem !== undefined) {
      reportProblem(sink, key, `array item ${i}: ${problem}`);
      return undefined;
    }
    if (itemType === undefined) itemType = typeof item;
    else if (typeof item !== itemType) {
      reportProblem(sink, key, `array mixes ${itemType} and ${typeof item} items (one type per array)`);
      return undefined;
    }
    if (typeof item === 'string' && item.length > limits.maxStringLength) {
      item = cutText(item, limits.maxStringLength);
      truncatedStrings = true;
    }
    copy[i] = item;
  }
  if (truncatedStrings) reportProblem(sink, key, `array strings truncated to limits.maxStringLength (${limits.maxStringLength})`);
  if (kept < length) reportProblem(sink, key, `array truncated to limits.maxArrayLength (${limits.maxArrayLength}) from ${length} items`);
  return copy as HudContextValue;
}

/**
 * Turns one raw value into what is stored: a string, finite number or boolean, or a copy of
 * an array of one of those, within the limits. Returns `undefined` when the value must be
 * dropped; every drop or truncation of `key` is added to the sink.
 */
export function normalizeValue(
  value: unknown,
  limits: HudLimits,
  sink: ProblemSink,
  key: string,
): HudContextValue | undefined {
  if (typeof value === 'string') return truncateString(value, limits, sink, key);
  if (Array.isArray(value)) return normalizeArray(value, limits, sink, key);
  const problem = scalarProblem(value);
  if (problem !== undefined) {
    reportProblem(sink, key, problem);
    return undefined;
  }
  return value as number | boolean;
}
