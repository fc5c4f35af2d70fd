/**
 * Which errors of HTTP requests a filter of the app handled instead of Nest's own exception
 * handler. Nest's handler logs every error that is not an `HttpException` with its stack; a
 * catch-all filter of the app (the `AllExceptionsFilter` of Nest's docs) usually logs nothing.
 * `LoggerExporter` leaves a stack out of its line only when Nest logged it, so it asks here.
 *
 * Both sets live on a `Symbol.for` global: the exception layer is observed by whichever copy
 * of the package (CommonJS or ES module) loaded first, and an exporter may come from the other.
 */
interface AppFilterErrors {
  errors: WeakSet<object>;
  records: WeakSet<object>;
}

const KEY = Symbol.for('nestjs-hud.app-filter-errors');
const shared = globalThis as typeof globalThis & { [KEY]?: AppFilterErrors };
const sets: AppFilterErrors = (shared[KEY] ??= { errors: new WeakSet(), records: new WeakSet() });

const isObject = (value: unknown): value is object => (typeof value === 'object' && value !== null) || typeof value === 'function';

/** Notes that a filter of the app handles `error` (a thrown primitive has no stack to keep). */
export function noteHandledByAppFilter(error: unknown): void {
  if (isObject(error)) sets.errors.add(error);
}

/** Marks `record` as the record of an error a filter of the app handled. */
export function markRecordOfAppFilter(record: object, error: unknown): void {
  if (isObject(error) && sets.errors.has(error)) sets.records.add(record);
}

/** Whether `record` is the record of an error a filter of the app handled. */
export function isRecordOfAppFilter(record: object): boolean {
  return sets.records.has(record);
}
