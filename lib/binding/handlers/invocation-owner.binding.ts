import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { HudRuntime } from '../../hud.runtime.js';
import { isInvocationWrapper } from '../jobs/method-invocation.wrapper.js';
import { registerInstanceRuntime } from './instance-runtime.registry.js';

/**
 * Ties every provider and controller of this app that has an `@HudInvocation()` method to
 * this app's runtime. The wrapper sits on the class's prototype, which every app in the
 * process shares (a test suite, a worker beside an API); the instance is the app's own, so
 * each call is recorded by the app that created its instance, whichever app started last
 * and whichever closed first.
 */
@Injectable()
export class InvocationOwnerBinding implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly runtime: HudRuntime,
  ) {}

  /** By then every provider built by a factory exists too; methods can only be called after. */
  onModuleInit(): void {
    if (!this.runtime.options.enabled) return;
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    const classesWithInvocations = new Map<Function, boolean>();
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      if (instance === null || typeof instance !== 'object') continue;
      const prototype: unknown = Object.getPrototypeOf(instance);
      const type = (prototype as { constructor?: unknown } | null)?.constructor;
      if (typeof type !== 'function' || type === Object) continue;
      let hasInvocations = classesWithInvocations.get(type);
      if (hasInvocations === undefined) {
        hasInvocations = this.hasInvocationMethods(prototype as object);
        classesWithInvocations.set(type, hasInvocations);
      }
      if (hasInvocations) registerInstanceRuntime(instance, this.runtime);
    }
  }

  /** Whether a method of the class (or of a class it extends) is `@HudInvocation()`'s wrapper. */
  private hasInvocationMethods(prototype: object): boolean {
    try {
      return this.scanner.getAllMethodNames(prototype).some((name) => isInvocationWrapper((prototype as Record<string, unknown>)[name]));
    } catch {
      return false; // an odd prototype (a getter that throws): such instances use the active app
    }
  }
}
