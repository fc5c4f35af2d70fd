import { currentInvocation } from '../../context/invocation.storage.js';
import { HUD_INVOCATION_WRAPPED } from '../../hud.constants.js';
import { copyMethodMetadata } from '../handlers/method-metadata.js';
import { runInvocation } from '../invocation.runner.js';
import { bullMqJobDetails, isBullMqJob } from './bullmq-job.details.js';
import { completedJobInvocation } from './bullmq-job.invocations.js';
import { wrapMethodAsInvocation } from './method-invocation.wrapper.js';

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Wraps a BullMQ `@OnWorkerEvent` listener of a processor so that it runs with the context
 * of the job it is about. The worker emits `completed` and `failed` after the job's own
 * invocation has ended (it first moves the job in Redis): the listener then runs as an
 * invocation named `name` (`ClassName.method`) that starts with a copy of the job's context
 * and carries its `job` details, so `getContext()`, `hudLogFields()` and a failure of the
 * listener all show the job's tenant, ids and so on. A listener called while an invocation
 * runs (`progress`, emitted by `job.updateProgress()` inside the job) joins it; one about a
 * job this process did not run (`active`, `stalled`...) is an invocation of its own.
 */
export function wrapWorkerEventListener<F extends Function>(original: F, name: string): F {
  const method = original as unknown as AnyMethod;
  const otherwise = wrapMethodAsInvocation(method, name, name);
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const job = args[0];
    const ended = currentInvocation() === undefined ? completedJobInvocation(job) : undefined;
    if (ended === undefined || !isBullMqJob(job) || !ended.runtime.options.enabled) return otherwise.apply(this, args);
    const continued = ended.continuedAs(name, Date.now(), performance.now());
    // the job's own details: BullMQ counted the attempt as made before it emitted the event
    continued.details.job = ended.details.job ?? bullMqJobDetails(job);
    return runInvocation(continued.runtime, continued, () => method.apply(this, args));
  };
  copyMethodMetadata(original, wrapper);
  Object.defineProperty(wrapper, HUD_INVOCATION_WRAPPED, { value: true });
  return wrapper as unknown as F;
}
