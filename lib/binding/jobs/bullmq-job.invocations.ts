import type { Invocation } from '../../context/invocation.js';

/**
 * The invocation each BullMQ `Job` object was processed in. BullMQ hands the same object to
 * the worker's `completed` and `failed` listeners once the job is done, which is how they
 * find the job's context. Weak: gone with the job.
 */
const invocationOfJob = new WeakMap<object, Invocation>();

export function rememberJobInvocation(job: object, invocation: Invocation): void {
  invocationOfJob.set(job, invocation);
}

/** The invocation `job` was processed in, once it has completed; else `undefined`. */
export function completedJobInvocation(job: unknown): Invocation | undefined {
  if (job === null || typeof job !== 'object') return undefined;
  const invocation = invocationOfJob.get(job);
  return invocation !== undefined && invocation.closed ? invocation : undefined;
}
