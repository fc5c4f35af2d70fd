import { ValidateBy, type ValidationOptions } from 'class-validator';

/** The class-validator rules of `HudOptions` fields that no built-in decorator expresses. */

export function isNumberOrFalse(min: number, options: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isNumberOrFalse',
      validator: { validate: (v) => v === false || (typeof v === 'number' && Number.isFinite(v) && v >= min) },
    },
    options,
  );
}

export function isFunctionOrStatusList(options: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isFunctionOrStatusList',
      validator: {
        validate: (v) =>
          typeof v === 'function' ||
          (Array.isArray(v) && v.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)),
      },
    },
    options,
  );
}

export function isExporterList(options: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isExporterList',
      validator: {
        validate: (v) =>
          Array.isArray(v) && v.every((e) => e !== null && typeof e === 'object' && typeof e.export === 'function'),
      },
    },
    options,
  );
}

export function isRedactList(options: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isRedactList',
      validator: {
        validate: (v) =>
          Array.isArray(v) && v.every((r) => (typeof r === 'string' && r.length > 0) || r instanceof RegExp),
      },
    },
    options,
  );
}

export function isHeaderMap(options: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isHeaderMap',
      validator: {
        validate: (v) =>
          v !== null &&
          typeof v === 'object' &&
          !Array.isArray(v) &&
          Object.values(v).every((h) => typeof h === 'string' && h.length > 0),
      },
    },
    options,
  );
}

export function isFunctionOption(options: ValidationOptions) {
  return ValidateBy({ name: 'isFunction', validator: { validate: (v) => typeof v === 'function' } }, options);
}
