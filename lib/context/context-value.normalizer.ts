import { FORBIDDEN_KEYS } from '../hud.constants.js';
import type { HudLimits } from '../hud.options.js';
import type { HudContextValue } from './context-value.types.js';

/** Says why a value could not be stored as given. */
export type ReportProblem = (reason: string) => void;

/** Why `key` cannot be a context key, or `undefined` when it can. */
export function keyProblem(key: string, limits: HudLimits): string | undefined {
  if (key.length === 0) return 'key is empty';
  if (key.length > limits.maxKeyLength) return `key is longer than limits.maxKeyLength (${limits.maxKeyLength})`;
  if (FORBIDDEN_KEYS.has(key)) return 'key is reserved (it could reach the prototype chain)';
  return undefined;
}

/** How a key is shown in warnings and records: bounded, so a huge key cannot flood a log. */
export function displayKey(key: string, limits: HudLimits): string {
  return key.length > limits.maxKeyLength ? `${key.slice(0, limits.maxKeyLength)}…` : key;
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

function truncateString(value: string, limits: HudLimits, report: ReportProblem): string {
  if (value.length <= limits.maxStringLength) return value;
  report(`string truncated to limits.maxStringLength (${limits.maxStringLength}) from ${value.length} characters`);
  return value.slice(0, limits.maxStringLength);
}

function normalizeArray(
  value: readonly unknown[],
  limits: HudLimits,
  report: ReportProblem,
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
      report(`array item ${i}: ${problem}`);
      return undefined;
    }
    if (itemType === undefined) itemType = typeof item;
    else if (typeof item !== itemType) {
      report(`array mixes ${itemType} and ${typeof item} items (one type per array)`);
      return undefined;
    }
    if (typeof item === 'string' && item.length > limits.maxStringLength) {
      item = item.slice(0, limits.maxStringLength);
      truncatedStrings = true;
    }
    copy[i] = item;
  }
  if (truncatedStrings) report(`array strings truncated to limits.maxStringLength (${limits.maxStringLength})`);
  if (kept < length) report(`array truncated to limits.maxArrayLength (${limits.maxArrayLength}) from ${length} items`);
  return copy as HudContextValue;
}

/**
 * Turns one raw value into what is stored: a string, finite number or boolean, or a copy of
 * an array of one of those, within the limits. Returns `undefined` when the value must be
 * dropped; every drop or truncation is told to `report`.
 */
export function normalizeValue(value: unknown, limits: HudLimits, report: ReportProblem): HudContextValue | undefined {
  if (typeof value === 'string') return truncateString(value, limits, report);
  if (Array.isArray(value)) return normalizeArray(value, limits, report);
  const problem = scalarProblem(value);
  if (problem !== undefined) {
    report(problem);
    return undefined;
  }
  return value as number | boolean;
}
