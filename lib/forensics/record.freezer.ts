/**
 * Freezes a record and everything reachable from it, once, so that every exporter can be
 * given the same objects: one that writes to a record fails (or, in sloppy code, silently
 * does nothing) instead of changing what the others see. Only own data properties are
 * followed (a getter is never called); objects already frozen are taken as they are, which
 * also ends cycles. Typed arrays, which cannot be frozen, are left as they are.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor !== undefined && 'value' in descriptor) deepFreeze(descriptor.value);
  }
  return value;
}

/**
 * `deepFreeze` for a record as nestjs-hud builds it: plain objects and arrays holding data
 * (no getters, no cycles), so plain reads are enough. Reading property descriptors costs
 * about as much as building the record itself, and this runs for every record; records a
 * `beforeRecord` hook returned can hold anything and go through `deepFreeze`.
 */
export function freezeBuiltRecord(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) freezeBuiltRecord(value[i]);
    return;
  }
  // for-in walks a fast object's keys without making an array of them, as Object.keys would
  for (const key in value) if (Object.hasOwn(value, key)) freezeBuiltRecord((value as Record<string, unknown>)[key]);
}
