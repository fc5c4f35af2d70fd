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

/** Why this completed invocation deserves a record, or `undefined` when it does not. */
export function decideTrigger(invocation: Invocation, options: HudOptions): ForensicsTrigger | undefined {
  let captureStatus: HudCaptureStatus;
  try {
    captureStatus = options.captureStatus;
    if (invocation.hasError && isFailingError(invocation.error, captureStatus)) return 'error';
    const status = invocation.details.http?.statusCode;
    if (status !== undefined && isCapturedStatus(captureStatus, status)) {
      return invocation.hasError ? 'error' : 'status';
    }
  } catch {
    // a captureStatus predicate that throws: fall back to the default rule
    const status = invocation.details.http?.statusCode;
    if (invocation.hasError && (statusOf(invocation.error) ?? 500) >= 500) return 'error';
    if (status !== undefined && status >= 500) return invocation.hasError ? 'error' : 'status';
  }
  const threshold = invocation.slowThresholdMs ?? options.slowThresholdMs;
  if (threshold !== false && invocation.durationMs > threshold) return 'duration';
  return undefined;
}
