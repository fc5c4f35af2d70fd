import { inspect } from 'node:util';
import type { ForensicsRecord } from '../forensics/forensics-record.interface.js';
import { MemoryExporter } from '../forensics/exporters/memory.exporter.js';

/**
 * A deep-partial description of a value: objects list only the keys that matter, a string
 * may be given as a RegExp, and any value as a predicate `(actual) => boolean`. Arrays
 * match item by item and must have the same length.
 */
export type RecordPattern<T> =
  | ((actual: T) => boolean)
  | (T extends string
      ? string | RegExp
      : T extends readonly (infer Item)[]
        ? ReadonlyArray<RecordPattern<Item>>
        : T extends object
          ? { [K in keyof T]?: RecordPattern<T[K]> }
          : T);

/** What `expectRecord` matches records against. @publicApi */
export type ForensicsRecordPattern = { [K in keyof ForensicsRecord]?: RecordPattern<ForensicsRecord[K]> };

/** Records to look in: a `MemoryExporter` (waits for them) or a list. */
export type RecordSource = MemoryExporter | readonly ForensicsRecord[];

const MAX_LISTED = 8;

function show(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 200 });
}

function isPlainPattern(pattern: unknown): pattern is Record<string, unknown> {
  return pattern !== null && typeof pattern === 'object' && !Array.isArray(pattern) && !(pattern instanceof RegExp);
}

/** Every place where `actual` differs from `pattern`, as `path: expected …, got …` lines. */
export function recordMismatches(actual: unknown, pattern: unknown, path = ''): string[] {
  const at = path || '(record)';
  if (typeof pattern === 'function') {
    let ok: boolean;
    try {
      ok = (pattern as (value: unknown) => unknown)(actual) === true;
    } catch (error) {
      return [`${at}: predicate threw ${String(error)} on ${show(actual)}`];
    }
    return ok ? [] : [`${at}: ${show(actual)} does not satisfy ${pattern.name || 'the predicate'}`];
  }
  if (pattern instanceof RegExp) {
    return typeof actual === 'string' && new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).test(actual)
      ? []
      : [`${at}: expected a string matching ${String(pattern)}, got ${show(actual)}`];
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array, got ${show(actual)}`];
    if (actual.length !== pattern.length) return [`${at}: expected ${show(pattern)}, got ${show(actual)}`];
    return pattern.flatMap((item, i) => recordMismatches(actual[i], item, `${path}[${i}]`));
  }
  if (isPlainPattern(pattern)) {
    if (actual === null || typeof actual !== 'object') return [`${at}: expected an object, got ${show(actual)}`];
    return Object.keys(pattern).flatMap((key) =>
      recordMismatches((actual as Record<string, unknown>)[key], pattern[key], path ? `${path}.${key}` : key),
    );
  }
  return Object.is(actual, pattern) ? [] : [`${at}: expected ${show(pattern)}, got ${show(actual)}`];
}

/**
 * Whether `record` matches the deep-partial `pattern`. Handy as a `MemoryExporter.waitFor`
 * predicate.
 *
 * @publicApi
 */
export function matchesRecord(record: ForensicsRecord, pattern: ForensicsRecordPattern): boolean {
  return recordMismatches(record, pattern).length === 0;
}

/** Thrown by `expectRecord` / `expectNoRecord`; any test framework reports it as a failure. */
export class HudRecordAssertionError extends Error {
  override name = 'AssertionError';

  constructor(
    message: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(message);
  }
}

function describeRecord(record: ForensicsRecord): string {
  return `${record.invocation?.name ?? '?'} (trigger ${record.trigger})`;
}

function explainMiss(records: readonly ForensicsRecord[], pattern: ForensicsRecordPattern, waited: string): HudRecordAssertionError {
  const lines = [`expectRecord: no record matched${waited} (${records.length} record(s) seen).`, `  wanted: ${show(pattern)}`];
  const ranked = records
    .map((record) => ({ record, mismatches: recordMismatches(record, pattern) }))
    .sort((a, b) => a.mismatches.length - b.mismatches.length);
  const closest = ranked[0];
  if (closest !== undefined) {
    lines.push(`  closest: ${describeRecord(closest.record)}, differs at:`);
    for (const mismatch of closest.mismatches.slice(0, MAX_LISTED)) lines.push(`    - ${mismatch}`);
    if (closest.mismatches.length > MAX_LISTED) lines.push(`    … ${closest.mismatches.length - MAX_LISTED} more`);
    for (const other of ranked.slice(1, 1 + MAX_LISTED)) {
      lines.push(`  also seen: ${describeRecord(other.record)}, ${other.mismatches.length} difference(s)`);
    }
  }
  return new HudRecordAssertionError(lines.join('\n'), pattern, closest?.record);
}

/**
 * Resolves with the first record that matches `pattern` (deep partial), waiting up to
 * `timeoutMs` for it when given a `MemoryExporter` (records are exported just after the
 * invocation ends). Otherwise rejects with an error that shows the closest record and
 * where it differs. Works with any test runner: it only throws.
 *
 * @example
 * await expectRecord(memory, { trigger: 'error', invocation: { name: 'POST /orders' }, context: { client_id: 'acme' } });
 * @publicApi
 */
export async function expectRecord(
  source: RecordSource,
  pattern: ForensicsRecordPattern,
  options: { timeoutMs?: number } = {},
): Promise<ForensicsRecord> {
  const predicate = (record: ForensicsRecord) => matchesRecord(record, pattern);
  if (!(source instanceof MemoryExporter)) {
    const found = source.find(predicate);
    if (found === undefined) throw explainMiss(source, pattern, '');
    return found;
  }
  const timeoutMs = options.timeoutMs ?? 2000;
  try {
    return await source.waitFor(predicate, timeoutMs);
  } catch {
    throw explainMiss(source.records, pattern, ` within ${timeoutMs} ms`);
  }
}

/**
 * Throws when a record already exported matches `pattern` (default: any record). Records
 * are exported just after an invocation ends: await `app.get(HudForensics).flush()` first.
 *
 * @publicApi
 */
export function expectNoRecord(source: RecordSource, pattern: ForensicsRecordPattern = {}): void {
  const records = source instanceof MemoryExporter ? source.records : source;
  const found = records.filter((record) => matchesRecord(record, pattern));
  if (found.length > 0) {
    throw new HudRecordAssertionError(
      `expectNoRecord: ${found.length} record(s) matched ${show(pattern)}, first: ${describeRecord(found[0])}\n  ${show(found[0])}`,
      pattern,
      found[0],
    );
  }
}
