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
