// options/: each feature's option class, with defaults and validation rules; HudOptions (lib/hud.options.ts) gathers them.
import { ValidateBy, ValidateIf, ValidateNested, type ValidationOptions } from 'class-validator';

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

/**
 * class-validator rule of an option that is either `false` (the feature off) or an instance
 * of `Target` (the resolver fills it from a partial object), whose own fields are validated.
 */
export function IsOptionObjectOrFalse(Target: new () => object, message: string): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ValidateIf((options: Record<string | symbol, unknown>) => options[property] !== false)(target, property as string);
    ValidateBy({ name: 'isOptionObjectOrFalse', validator: { validate: (v) => v instanceof Target } }, { message })(
      target,
      property as string,
    );
    ValidateNested()(target, property as string);
  };
}
