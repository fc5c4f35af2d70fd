import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { HudRuntime } from '../../hud.runtime.js';
import { DiscoveredJobBinding, type JobMethod } from './discovered-job.binding.js';

/** Written by `@Cron()`, `@Interval()` and `@Timeout()` of `@nestjs/schedule` on the method (read by key: no import). */
const SCHEDULER_TYPE_METADATA = 'SCHEDULER_TYPE';
/** Written by `@OnEvent()` of `@nestjs/event-emitter` on the method. */
const EVENT_LISTENER_METADATA = 'EVENT_LISTENER_METADATA';

function isScheduledOrListener(method: unknown): boolean {
  return (
    typeof method === 'function' &&
    (Reflect.getMetadata(SCHEDULER_TYPE_METADATA, method) !== undefined ||
      Reflect.getMetadata(EVENT_LISTENER_METADATA, method) !== undefined)
  );
}

/**
 * Makes `@Cron`, `@Interval` and `@Timeout` methods (`@nestjs/schedule`) and `@OnEvent`
 * listeners (`@nestjs/event-emitter`) invocations of kind `job` named `ClassName.method`,
 * with no decorator to write. A listener called while an invocation runs (an event emitted
 * by a request) joins it, as `@HudInvocation()` does; called outside any, it is its own.
 *
 * `@nestjs/schedule` takes each method off the instance in its `onModuleInit` and
 * `@nestjs/event-emitter` calls `instance[method]` on every event, so a wrapper put on the
 * prototype before either (see `DiscoveredJobBinding`) is the one they call. A method that
 * also carries `@HudInvocation()` is already wrapped and keeps that decorator's name.
 */
@Injectable()
export class ScheduleEventsBinding extends DiscoveredJobBinding {
  constructor(discovery: DiscoveryService, runtime: HudRuntime) {
    super(discovery, runtime);
  }

  protected jobMethodsOf(jobClass: Function): JobMethod[] {
    const prototype = jobClass.prototype as Record<string, unknown>;
    return this.methodNamesOf(jobClass)
      .filter((methodName) => isScheduledOrListener(prototype[methodName]))
      .map((methodName) => ({ methodName, naming: `${jobClass.name}.${methodName}` }));
  }
}
