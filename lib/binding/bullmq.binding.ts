import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { HudRuntime } from '../hud.runtime.js';
import { isInvocationWrapper, wrapMethodAsInvocation } from './hud-invocation.decorator.js';
import { registerInstanceRuntime } from './instance-runtime.registry.js';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** Written by `@Processor()` of `@nestjs/bullmq` on the processor class (read by key: no import). */
const BULLMQ_PROCESSOR_METADATA = 'bullmq:processor_metadata';

/** The class `@Processor()` decorated, found the way `@nestjs/bullmq` itself finds it. */
function processorClassOf(wrapper: InstanceWrapper): Function | undefined {
  let candidate: unknown;
  try {
    // class providers: the metatype; useValue/useFactory: the instance's class, once built
    candidate = !wrapper.metatype || wrapper.inject ? (wrapper.instance as object | undefined)?.constructor : wrapper.metatype;
  } catch {
    return undefined;
  }
  if (typeof candidate !== 'function') return undefined;
  return Reflect.getMetadata(BULLMQ_PROCESSOR_METADATA, candidate) === undefined ? undefined : candidate;
}

/**
 * Makes every BullMQ processor's `process(job)` an invocation named `queue:jobName`, with
 * `job: { queue, jobId, attempt }` in its record, with no decorator to write.
 *
 * `@nestjs/bullmq` binds `process` to its Worker in `BullRegistrar.onModuleInit`. Nest builds
 * every provider of every module before it calls any `onModuleInit`, so this provider wraps
 * `process` on the processor classes in its constructor: first, whatever the module order.
 * The wrapper is the one `@HudInvocation()` makes (so a processor that also carries the
 * decorator is wrapped once). Apps without `@nestjs/bullmq` find no processor and load nothing.
 */
@Injectable()
export class BullMqBinding implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly runtime: HudRuntime,
  ) {
    if (!runtime.options.enabled) return;
    for (const wrapper of discovery.getProviders()) {
      const processorClass = processorClassOf(wrapper);
      if (processorClass !== undefined) this.wrapProcess(processorClass);
    }
  }

  /** Ties each processor instance to this app's runtime (see `registerInstanceRuntime`). */
  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const processorClass = processorClassOf(wrapper);
      if (processorClass === undefined) continue;
      // a useFactory processor is built only now; wrapping it here is in time unless
      // @nestjs/bullmq's onModuleInit already ran (the README says to decorate it then)
      if (this.runtime.options.enabled) this.wrapProcess(processorClass);
      const instance = wrapper.instance as object | undefined;
      if (instance !== undefined && instance !== null) registerInstanceRuntime(instance, this.runtime);
    }
  }

  private wrapProcess(processorClass: Function): void {
    const prototype = processorClass.prototype as Record<string, unknown> | undefined;
    const process = prototype?.process;
    if (typeof process !== 'function' || isInvocationWrapper(process)) return;
    Object.defineProperty(prototype, 'process', {
      value: wrapMethodAsInvocation(process, undefined, `${processorClass.name}.process`),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
