/**
 * Gives `wrapper` everything that identifies `original` to Nest and to other libraries:
 * its Reflect metadata (`@Get`, `@Cron`, `@MessagePattern`, `@OnEvent`, ...), its name and
 * its arity.
 */
export function copyMethodMetadata(original: Function, wrapper: Function): void {
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapper);
  }
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
}
