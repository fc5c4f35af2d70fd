import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { HudRuntime } from '../../hud.runtime.js';
import { DiscoveredJobBinding, type JobMethod } from './discovered-job.binding.js';

/** Written by `@Processor()` of `@nestjs/bullmq` on the processor class (read by key: no import). */
const BULLMQ_PROCESSOR_METADATA = 'bullmq:processor_metadata';

/**
 * Makes every BullMQ processor's `process(job)` an invocation named `queue:jobName`, with
 * `job: { queue, jobId, attempt }` in its record, with no decorator to write.
 * `@nestjs/bullmq` binds `process` to its Worker in `BullRegistrar.onModuleInit`, after this
 * binding wrapped it (see `DiscoveredJobBinding`).
 */
@Injectable()
export class BullMqBinding extends DiscoveredJobBinding {
  constructor(discovery: DiscoveryService, runtime: HudRuntime) {
    super(discovery, runtime);
  }

  protected jobMethodsOf(processorClass: Function): JobMethod[] {
    if (Reflect.getMetadata(BULLMQ_PROCESSOR_METADATA, processorClass) === undefined) return [];
    // the Job argument names the invocation; the class name only when there is none
    return [{ methodName: 'process', naming: `${processorClass.name}.process` }];
  }
}
