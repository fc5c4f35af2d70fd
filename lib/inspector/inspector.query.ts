import type { ForensicsRecord, ForensicsTrigger } from '../forensics/forensics-record.interface.js';

/** What the inspector is asked to show, from the query string. Every field optional. */
export interface InspectorFilter {
  /** Context key; with `value`, records whose context holds that value under the key. */
  key?: string;
  value?: string;
  /** Invocation name, exactly (`GET /orders/:id`). */
  name?: string;
}

/** One row of the grouped table: the records of one invocation name. */
export interface InvocationGroup {
  name: string;
  kind: string;
  count: number;
  lastSeen: string;
  triggers: Partial<Record<ForensicsTrigger | string, number>>;
  statuses: number[];
}

const MAX_PARAM_LENGTH = 1024;

function param(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === '' ? undefined : value.slice(0, MAX_PARAM_LENGTH);
}

export function filterFromQuery(params: URLSearchParams): InspectorFilter {
  return { key: param(params, 'key'), value: params.get('value')?.slice(0, MAX_PARAM_LENGTH) ?? undefined, name: param(params, 'name') };
}

export function isFiltered(filter: InspectorFilter): boolean {
  return filter.key !== undefined || filter.name !== undefined;
}

function contextOf(record: ForensicsRecord): Record<string, unknown> {
  const context: unknown = record?.context;
  return context !== null && typeof context === 'object' ? (context as Record<string, unknown>) : {};
}

export function nameOf(record: ForensicsRecord): string {
  const name: unknown = record?.invocation?.name;
  return typeof name === 'string' && name.length > 0 ? name : '(unnamed)';
}

/** Whether a context value equals the filter value (for an array: one of its items does). */
function holds(value: unknown, wanted: string): boolean {
  if (Array.isArray(value)) return value.some((item) => String(item) === wanted);
  return value !== undefined && value !== null && String(value) === wanted;
}

/**
 * The records matching the filter. A key without a value matches every record that has the
 * key; with a value, the value compares as text, so `?key=order_items&value=3` finds the number 3.
 */
export function applyFilter(records: readonly ForensicsRecord[], filter: InspectorFilter): ForensicsRecord[] {
  return records.filter((record) => {
    if (filter.name !== undefined && nameOf(record) !== filter.name) return false;
    if (filter.key !== undefined) {
      const context = contextOf(record);
      if (!Object.prototype.hasOwnProperty.call(context, filter.key)) return false;
      if (filter.value !== undefined && filter.value !== '' && !holds(context[filter.key], filter.value)) return false;
    }
    return true;
  });
}

/** Groups records (newest first) by invocation name; groups ordered by last seen, newest first. */
export function groupByName(records: readonly ForensicsRecord[]): InvocationGroup[] {
  const groups = new Map<string, InvocationGroup>();
  for (const record of records) {
    const name = nameOf(record);
    let group = groups.get(name);
    if (group === undefined) {
      group = { name, kind: String(record?.invocation?.kind ?? ''), count: 0, lastSeen: String(record?.detectedAt ?? ''), triggers: {}, statuses: [] };
      groups.set(name, group);
    }
    group.count++;
    if (String(record?.detectedAt ?? '') > group.lastSeen) group.lastSeen = String(record.detectedAt);
    const trigger = String(record?.trigger ?? 'unknown');
    group.triggers[trigger] = (group.triggers[trigger] ?? 0) + 1;
    const status = record?.invocation?.http?.statusCode;
    if (typeof status === 'number' && !group.statuses.includes(status)) group.statuses.push(status);
  }
  const sorted = [...groups.values()].sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0));
  for (const group of sorted) group.statuses.sort((a, b) => a - b);
  return sorted;
}

/** Every context key seen in the records, sorted: the choices of the filter's key field. */
export function contextKeys(records: readonly ForensicsRecord[]): string[] {
  const keys = new Set<string>();
  for (const record of records) for (const key of Object.keys(contextOf(record))) keys.add(key);
  return [...keys].sort();
}

export { contextOf };
