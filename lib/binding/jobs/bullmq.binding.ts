import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { HudRuntime } from '../../hud.runtime.js';
import { DiscoveredJobBinding, type JobMethod } from './discovered-job.binding.js';
import { wrapWorkerEventListener } from './worker-event.wrapper.js';

/** Written by `@Processor()` of `@nestjs/bullmq` on the processor class (read by key: no import). */
const BULLMQ_PROCESSOR_METADATA = 'bullmq:processor_metadata';
/** Written by `@OnWorkerEvent()` on a processor's listener methods. */
const BULLMQ_WORKER_EVENT_METADATA = 'bullmq:worker_events_metadata';

/**
 * Makes every BullMQ processor's `process(job)` an invocation named `queue:jobName`, with
 * `job: { queue, jobId, attempt }` in its record, with no decorator to write; and runs its
 * `@OnWorkerEvent` listeners with the context of the job they are about (see
 * `wrapWorkerEventListener`). `@nestjs/bullmq` binds both to its Worker in
 * `BullRegistrar.onModuleInit`, after this binding wrapped them (see `DiscoveredJobBinding`).
 */
@Injectable()
export class BullMqBinding extends DiscoveredJobBinding {
  constructor(discovery: DiscoveryService, runtime: HudRuntime) {
    super(discovery, runtime);
  }

  protected jobMethodsOf(processorClass: Function): JobMethod[] {
    if (Reflect.getMetadata(BULLMQ_PROCESSOR_METADATA, processorClass) === undefined) return [];
    const prototype = processorClass.prototype as Record<string, unknown>;
    const listeners = this.methodNamesOf(processorClass)
      .filter((methodName) => Reflect.getMetadata(BULLMQ_WORKER_EVENT_METADATA, prototype[methodName] as object) !== undefined)
      .map((methodName): JobMethod => {
        const naming = `${processorClass.name}.${methodName}`;
        return { methodName, naming, wrap: (original) => wrapWorkerEventListener(original, naming) };
      });
    // the Job argument names the invocation; the class name only when there is none
    return [{ methodName: 'process', naming: `${processorClass.name}.process` }, ...listeners];
  }
}
