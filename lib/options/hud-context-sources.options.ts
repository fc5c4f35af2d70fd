import { ValidateBy, type ValidationOptions } from 'class-validator';
import { FORBIDDEN_KEYS } from '../hud.constants.js';

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A context key as a map's key: non-empty and never one that reaches a prototype. */
function isUsableKey(key: string): boolean {
  return key.length > 0 && !FORBIDDEN_KEYS.has(key);
}

/** A dot path of own properties (`tenant.id`): non-empty names, none that reaches a prototype. */
function isPropertyPath(path: unknown): boolean {
  return typeof path === 'string' && path.split('.').every((name) => name.length > 0 && !FORBIDDEN_KEYS.has(name));
}

/** `fromUser`: context keys mapped to dot paths of the signed-in user. */
export function isUserPathMap(options: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isUserPathMap',
      validator: {
        validate: (v) => isPlainMap(v) && Object.entries(v).every(([key, path]) => isUsableKey(key) && isPropertyPath(path)),
      },
    },
    options,
  );
}

/** `fromMetadata`: context keys mapped to message header (or gRPC metadata) names. */
export function isMetadataMap(options: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isMetadataMap',
      validator: {
        validate: (v) =>
          isPlainMap(v) && Object.entries(v).every(([key, name]) => isUsableKey(key) && typeof name === 'string' && name.length > 0),
      },
    },
    options,
  );
}
