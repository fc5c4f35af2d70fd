// binding/jobs/: methods run as invocations of kind job (BullMQ processors, CQRS handlers, @HudInvocation's cron/events/services).
import { currentInvocation } from '../../context/invocation.storage.js';
import type { Invocation } from '../../context/invocation.js';
import { HUD_INVOCATION_WRAPPED } from '../../hud.constants.js';
import { bullMqJobDetails, bullMqJobName, isBullMqJob } from './bullmq-job.details.js';
import { rememberJobInvocation } from './bullmq-job.invocations.js';
import { runtimeFor } from '../handlers/instance-runtime.registry.js';
import { isThenable, runInvocation } from '../invocation.runner.js';
import { copyMethodMetadata } from '../handlers/method-metadata.js';

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/** Whether `fn` is already a wrapper made by `@HudInvocation()` (from any copy of the package). */
export function isInvocationWrapper(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[HUD_INVOCATION_WRAPPED] === true;
}

/**
 * A joined call that was still running when the invocation it joined completed, and then
 * failed (a fire-and-forget event listener, typically): its failure can no longer be part of
 * that record, so it becomes a record of its own, with the context the joined invocation had.
 */
function recordLateFailure(joined: Invocation, name: string, calledAt: number, calledAtMs: number, error: unknown): void {
  // the work started when the method was called, not when its failure was seen
  const late = joined.continuedAs(name, calledAt, calledAtMs);
  late.noteError(error);
  late.runtime.complete(late);
}

/**
 * Calls `original` as part of an invocation that is already running. A failure is noted on
 * that invocation even when the caller catches it: the work failed inside it (and
 * `@nestjs/event-emitter` swallows listener errors by default, so nobody else would tell).
 */
function callJoined(joined: Invocation, name: string, original: AnyMethod, thisArg: unknown, args: unknown[]): unknown {
  const calledAt = Date.now();
  const calledAtMs = performance.now();
  let result: unknown;
  try {
    result = original.apply(thisArg, args);
  } catch (error) {
    if (!joined.closed) joined.noteError(error);
    throw error;
  }
  if (!isThenable(result)) return result;
  return result.then(undefined, (error: unknown) => {
    if (!joined.closed) joined.noteError(error);
    else recordLateFailure(joined, name, calledAt, calledAtMs, error);
    throw error;
  });
}

/** The name of a method's invocations, or how to work it out from the call's arguments. */
export type InvocationNaming = string | ((args: readonly unknown[]) => string);

/**
 * Wraps `original` so that each call runs as its own invocation of kind `job`, or joins the
 * current one. A BullMQ `Job` as first argument names the invocation `queue:jobName` (unless
 * `explicitName` is given) and fills the record's `job` details.
 */
export function wrapMethodAsInvocation<F extends Function>(original: F, explicitName: string | undefined, naming: InvocationNaming): F {
  const method = original as unknown as AnyMethod;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const runtime = runtimeFor(this);
    if (runtime === undefined || !runtime.options.enabled) return method.apply(this, args);
    const job = isBullMqJob(args[0]) ? args[0] : undefined;
    const name = explicitName ?? (job !== undefined ? bullMqJobName(job) : typeof naming === 'string' ? naming : naming(args));
    const joined = currentInvocation();
    if (joined !== undefined) return callJoined(joined, name, method, this, args);
    const invocation = runtime.startInvocation('job', name);
    if (job !== undefined) {
      invocation.details.job = bullMqJobDetails(job);
      rememberJobInvocation(job, invocation); // for the worker's completed/failed listeners
    }
    return runInvocation(runtime, invocation, () => method.apply(this, args));
  };
  copyMethodMetadata(original, wrapper);
  Object.defineProperty(wrapper, HUD_INVOCATION_WRAPPED, { value: true });
  return wrapper as unknown as F;
}
