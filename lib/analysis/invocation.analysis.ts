// analysis/: fed by every completed invocation (HudAnalysis): suspects counters, latency baselines, metrics.
import type { Invocation } from '../context/invocation.js';
import type { ForensicsTrigger } from '../forensics/forensics-record.interface.js';

/**
 * Sees every completed invocation with its outcome, once, before the rate limit: the
 * suspects counters, the latency baselines, the OpenTelemetry metrics. `trigger` is what the
 * invocation was recorded for (`undefined`: a fast success). Runs on the app's path: cheap.
 */
export interface InvocationObserver {
  observe(invocation: Invocation, trigger: ForensicsTrigger | undefined): void;
}
