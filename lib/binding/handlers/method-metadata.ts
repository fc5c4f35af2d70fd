/** What a wrapper needs of `reflect-metadata`, read by shape: the decorator may run before it is loaded. */
interface MetadataReflect {
  getOwnMetadataKeys?: (target: object) => unknown[];
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
}

/**
 * Gives `wrapper` everything that identifies `original` to Nest and to other libraries:
 * its Reflect metadata (`@Get`, `@Cron`, `@MessagePattern`, `@OnEvent`, `@Process`...), so
 * whatever discovers handlers by their metadata still finds it, whichever order the
 * decorators were written in; its name and its arity.
 */
export function copyMethodMetadata(original: Function, wrapper: Function): void {
  const reflect = Reflect as unknown as MetadataReflect;
  if (typeof reflect.getOwnMetadataKeys === 'function' && typeof reflect.defineMetadata === 'function') {
    for (const key of reflect.getOwnMetadataKeys(original)) {
      reflect.defineMetadata(key, reflect.getOwnMetadata!(key, original), wrapper);
    }
  }
  // A getter, not a value: `wrapper.name` reads as the method's for Nest and for
  // `context.getHandler().name`, while a stack frame of the wrapper keeps the wrapper's own
  // name (V8 names frames after a data property `name` only), so it never poses as the method.
  const name = original.name;
  Object.defineProperty(wrapper, 'name', { get: () => name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
}
