import { judgeSlowness } from '../analysis/latency/slowness.judge.js';
import type { LatencyWindow } from '../analysis/latency/latency.window.js';
import type { Invocation } from '../context/invocation.js';
import type { HudCaptureStatus, HudOptions } from '../hud.options.js';
import type { ForensicsTrigger } from './forensics-record.interface.js';

export function isCapturedStatus(captureStatus: HudCaptureStatus, status: number): boolean {
  return typeof captureStatus === 'function' ? captureStatus(status) === true : captureStatus.includes(status);
}

/** The status an HttpException (or a look-alike from another copy of @nestjs/common) carries. */
export function statusOf(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const getStatus = (error as { getStatus?: unknown }).getStatus;
  if (typeof getStatus !== 'function') return undefined;
  try {
    const status = getStatus.call(error);
    return typeof status === 'number' ? status : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A thrown error is a failure unless it is an HttpException whose status is not captured
 * (a 404 or 401 is the app answering, not failing). Anything else thrown, including
 * `throw 'x'`, is a failure whatever status a filter then sends.
 */
function isFailingError(error: unknown, captureStatus: HudCaptureStatus): boolean {
  const status = statusOf(error);
  return status === undefined || isCapturedStatus(captureStatus, status);
}

/** Whether the invocation failed (trigger `error`, `status` or `failure`), or `undefined`. */
function decideFailure(invocation: Invocation, options: HudOptions): ForensicsTrigger | undefined {
  try {
    const captureStatus = options.captureStatus;
    if (invocation.hasError && isFailingError(invocation.error, captureStatus)) return 'error';
    // setFailure() is the app saying why, so it wins over a failure status without an error
    if (invocation.failure !== undefined) return 'failure';
    const status = invocation.details.http?.statusCode;
    if (status !== undefined && isCapturedStatus(captureStatus, status)) {
      return invocation.hasError ? 'error' : 'status';
    }
  } catch {
    // a captureStatus predicate that throws: fall back to the default rule
    const status = invocation.details.http?.statusCode;
    if (invocation.hasError && (statusOf(invocation.error) ?? 500) >= 500) return 'error';
    if (invocation.failure !== undefined) return 'failure';
    if (status !== undefined && status >= 500) return invocation.hasError ? 'error' : 'status';
  }
  return undefined;
}

/**
 * Why this completed invocation deserves a record, or `undefined` when it does not. A slow
 * success gets `duration`, with the rule that fired noted on the invocation (`latency`);
 * `latency` is the name's recent latencies, when `slowBaseline` is on.
 */
export function decideTrigger(
  invocation: Invocation,
  options: HudOptions,
  latency?: LatencyWindow,
  nowMs = performance.now(),
): ForensicsTrigger | undefined {
  const failure = decideFailure(invocation, options);
  if (failure !== undefined) return failure;
  const verdict = judgeSlowness(invocation, options.slowThresholdMs, latency, nowMs);
  if (verdict === undefined) return undefined;
  invocation.latency = verdict;
  return 'duration';
}
