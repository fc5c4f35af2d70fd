// decorators/: the public decorators (@HudContext, @SetHudContext, @HudSlowThreshold, @HudInvocation); they only write metadata or wrap.
/**
 * Writes handler metadata the way Nest's own decorators do: on the method for a method
 * decorator, on the class for a class decorator. Returns what the decorator must return.
 */
export function defineHandlerMetadata(
  key: string,
  value: unknown,
  target: object,
  descriptor: TypedPropertyDescriptor<unknown> | undefined,
): object | undefined {
  if (descriptor !== undefined) {
    Reflect.defineMetadata(key, value, descriptor.value as object);
    return descriptor;
  }
  Reflect.defineMetadata(key, value, target);
  return target;
}

/** `Class` or `Class.method`, for warnings about a misused decorator. */
export function describeTarget(target: object, key: string | symbol | undefined): string {
  const className = String(typeof target === 'function' ? target.name : target.constructor?.name);
  return key === undefined ? className : `${className}.${String(key)}`;
}
