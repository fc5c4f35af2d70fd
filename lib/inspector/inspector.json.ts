/**
 * JSON of the inspector's reports. `relativeRisk` is `Infinity` when none of a name's other
 * invocations failed, which `JSON.stringify` would silently turn into `null`: such numbers are
 * written as the strings `"Infinity"`, `"-Infinity"` and `"NaN"` instead, so a reader tells
 * "unbounded" from "missing" (`Number("Infinity")` gives the number back).
 */
export function reportJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => (typeof field === 'number' && !Number.isFinite(field) ? String(field) : field));
}
