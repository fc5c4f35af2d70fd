import { Logger } from '@nestjs/common';
import { isInvocationWrapper, wrapMethodAsInvocation } from '../binding/jobs/method-invocation.wrapper.js';

/**
 * Makes each call of the method its own invocation (kind `job`), recorded on failure or
 * slowness exactly like a request: for work no interceptor reaches, such as BullMQ
 * `WorkerHost.process`, `@Cron`, `@Interval`, `@OnEvent` and plain services.
 *
 * - Named `name`, else `ClassName.methodName`; when the first argument is a BullMQ `Job`,
 *   `queue:jobName` and the record carries `job: { queue, jobId, attempt }`.
 * - Called inside an invocation (a request emitting an event, a job calling a service), it
 *   joins that invocation instead of starting a nested one; an error it throws is noted on
 *   that invocation even if the caller catches it.
 * - A synchronous method stays synchronous; what it returns or throws passes through.
 * - Keeps the method's metadata, `name` and `length`, so it combines with `@Cron`,
 *   `@OnEvent`, `@MessagePattern`... in either order. Applying it twice wraps once.
 * - With no enabled `HudModule` in the process, the method is called untouched.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class OrdersCron {
 *   @Cron('0 * * * *')
 *   @HudInvocation('orders.cleanup')
 *   async cleanup() {
 *     setContext({ batch: 'hourly' });
 *     await this.orders.purgeExpired(); // throws → one record named 'orders.cleanup'
 *   }
 * }
 * ```
 * @publicApi
 */
export function HudInvocation(name?: string): MethodDecorator {
  const explicitName = typeof name === 'string' && name.length > 0 ? name : undefined;
  return (target, propertyKey, descriptor) => {
    const original: unknown = descriptor.value;
    if (typeof original !== 'function') {
      // a getter or a field: warn and leave it as it is, never break the class
      new Logger('Hud').warn(`@HudInvocation() decorates methods; "${String(propertyKey)}" is not one and was left unwrapped`);
      return descriptor;
    }
    if (isInvocationWrapper(original)) return descriptor;
    const className = typeof target === 'function' ? target.name : target.constructor?.name;
    const defaultName = `${className ?? 'Anonymous'}.${String(propertyKey)}`;
    descriptor.value = wrapMethodAsInvocation(original, explicitName, defaultName) as typeof descriptor.value;
    return descriptor;
  };
}
