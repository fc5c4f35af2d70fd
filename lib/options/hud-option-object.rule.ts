import { ValidateBy, ValidateIf, ValidateNested } from 'class-validator';

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
