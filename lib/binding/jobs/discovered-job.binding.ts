import type { OnModuleInit } from '@nestjs/common';
import { MetadataScanner, type DiscoveryService } from '@nestjs/core';
import type { HudRuntime } from '../../hud.runtime.js';
import { isInvocationWrapper, wrapMethodAsInvocation, type InvocationNaming } from './method-invocation.wrapper.js';
import { registerInstanceRuntime } from '../handlers/instance-runtime.registry.js';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** A method of a discovered class that runs as a job, and how its invocations are named. */
export interface JobMethod {
  methodName: string;
  naming: InvocationNaming;
  /** How the method is wrapped, when not as `@HudInvocation()` wraps it (a worker's event listener). */
  wrap?: (original: Function) => Function;
}

/** Reads method names the way the libraries themselves do (cached per prototype). */
const scanner = new MetadataScanner();

/** The class of a provider, found the way `@nestjs/bullmq` and `@nestjs/cqrs` find theirs. */
function providerClassOf(wrapper: InstanceWrapper): Function | undefined {
  try {
    // class providers: the metatype; useValue/useFactory: the instance's class, once built
    const candidate: unknown =
      !wrapper.metatype || wrapper.inject ? (wrapper.instance as object | undefined)?.constructor : wrapper.metatype;
    return typeof candidate === 'function' ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes methods of classes a library finds by their metadata (BullMQ processors, CQRS
 * handlers, `@Cron` and `@OnEvent` methods) invocations of kind `job`, with no decorator to
 * write: the wrapper is the one `@HudInvocation()` makes, so a method that also carries the
 * decorator is wrapped once, and keeps the decorator's name.
 *
 * Such libraries bind those methods at the earliest in `onModuleInit`, and Nest builds every
 * provider of every module before it calls any `onModuleInit`, so the binding wraps in its
 * constructor: first, whatever the module order. Apps without the library find no such
 * class and load nothing of it (its metadata keys are read as strings, never imported).
 */
export abstract class DiscoveredJobBinding implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly runtime: HudRuntime,
  ) {
    if (!runtime.options.enabled) return;
    for (const wrapper of this.classesToScan()) this.wrapJobMethods(providerClassOf(wrapper));
  }

  /** The job methods of `jobClass`, or none when the library did not mark it. */
  protected abstract jobMethodsOf(jobClass: Function): JobMethod[];

  /** Every method name of `jobClass`, own and inherited, as the libraries list them. */
  protected methodNamesOf(jobClass: Function): string[] {
    const prototype = jobClass.prototype as object | undefined;
    return prototype === undefined || prototype === null ? [] : scanner.getAllMethodNames(prototype);
  }

  /** Ties each instance to this app's runtime (see `registerInstanceRuntime`). */
  onModuleInit(): void {
    for (const wrapper of this.classesToScan()) {
      const jobClass = providerClassOf(wrapper);
      if (jobClass === undefined || this.jobMethodsOf(jobClass).length === 0) continue;
      // a useFactory provider is built only now; wrapping it here is in time unless the
      // library's own onModuleInit already ran (the docs say to decorate it then)
      if (this.runtime.options.enabled) this.wrapJobMethods(jobClass);
      const instance = wrapper.instance as object | undefined;
      if (instance !== undefined && instance !== null) registerInstanceRuntime(instance, this.runtime);
    }
  }

  /** Providers and controllers: `@nestjs/schedule` and `@nestjs/event-emitter` look in both. */
  private classesToScan(): InstanceWrapper[] {
    return [...this.discovery.getProviders(), ...this.discovery.getControllers()];
  }

  private wrapJobMethods(jobClass: Function | undefined): void {
    if (jobClass === undefined) return;
    const prototype = jobClass.prototype as Record<string, unknown> | undefined;
    if (prototype === undefined) return;
    for (const { methodName, naming, wrap } of this.jobMethodsOf(jobClass)) {
      const method = prototype[methodName];
      if (typeof method !== 'function' || isInvocationWrapper(method)) continue;
      Object.defineProperty(prototype, methodName, {
        value: wrap !== undefined ? wrap(method) : wrapMethodAsInvocation(method, undefined, naming),
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }
}
