import type { InvocationDetails } from '../../context/invocation.js';

/** The fields of a BullMQ `Job` nestjs-hud reads; the package itself is never imported. */
interface BullMqJobLike {
  queueName: string;
  name: string;
  id?: string;
  attemptsMade: number;
  updateProgress: unknown;
}

/**
 * Whether `value` is a BullMQ `Job` (the argument `WorkerHost.process` receives). Checked by
 * shape, so that apps without BullMQ load nothing and a Job from any copy of bullmq is seen.
 */
export function isBullMqJob(value: unknown): value is BullMqJobLike {
  if (value === null || typeof value !== 'object') return false;
  const job = value as Partial<BullMqJobLike>;
  return (
    typeof job.queueName === 'string' &&
    typeof job.name === 'string' &&
    typeof job.attemptsMade === 'number' &&
    typeof job.updateProgress === 'function'
  );
}

/** `queue:jobName`, the invocation name of a job. */
export function bullMqJobName(job: BullMqJobLike): string {
  return `${job.queueName}:${job.name}`;
}

/**
 * The record's `job` details. `attemptsMade` counts the attempts that already ended, so the
 * attempt running now is one more: 1 for the first try, 2 for the first retry.
 */
export function bullMqJobDetails(job: BullMqJobLike): NonNullable<InvocationDetails['job']> {
  const details: NonNullable<InvocationDetails['job']> = { queue: job.queueName };
  if (job.id !== undefined && job.id !== null) details.jobId = String(job.id);
  details.attempt = job.attemptsMade + 1;
  return details;
}
