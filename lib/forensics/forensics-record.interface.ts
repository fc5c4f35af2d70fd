import type { LatencyVerdict } from '../analysis/latency/latency-verdict.interface.js';
import type { HudContextProblem, HudContextValue, HudInvocationKind } from '../context/context-value.types.js';
import type { HudBreadcrumb } from '../context/hud-breadcrumb.interface.js';

/** Why a record was made: a thrown error, a failure status, slowness, or `setFailure()`. */
export type ForensicsTrigger = 'error' | 'status' | 'duration' | 'failure';

/**
 * What nestjs-hud records about one failing or slow invocation.
 *
 * @publicApi
 */
export interface ForensicsRecord {
  /** Unique id of this record. */
  id: string;
  /** The `service` option. */
  service?: string;
  /** The `version` option (by default `service.version` from `OTEL_RESOURCE_ATTRIBUTES`). */
  version?: string;
  trigger: ForensicsTrigger;
  /** When the invocation completed (ISO 8601). */
  detectedAt: string;
  durationMs: number;
  invocation: {
    kind: HudInvocationKind;
    /** 'GET /orders/:id', 'orders.create', 'emails:send', 'OrdersCron.cleanup' */
    name: string;
    /**
     * `url` is the path only: the query string is left out, as it often carries secrets.
     * `aborted` is `true` when the connection closed before the response finished (the
     * client left, a stream broke); `statusCode` is then the status the app answered with.
     */
    http?: { method: string; route: string; url: string; statusCode: number; aborted?: boolean };
    rpc?: { pattern: string; transport?: string };
    job?: { queue?: string; jobId?: string; attempt?: number };
  };
  /** What was thrown: `message` at most 8,192 characters, `stack` 32,768 and `name` 256 (cut ones end with `…`). */
  error?: { name: string; message: string; stack?: string; status?: number };
  /** Given by `setFailure(reason)`: the invocation failed without throwing. */
  failure?: { reason: string };
  /** Validated copies of the context; redacted keys hold `'[REDACTED]'`. */
  context: Record<string, HudContextValue>;
  /** Keys dropped or values truncated, with the reason: the first 20 of them. */
  dropped?: HudContextProblem[];
  /** How many keys were dropped or values truncated in all (present with `dropped`). */
  droppedCount?: number;
  /** What the invocation did, oldest first: `addBreadcrumb()` and log lines (at most `breadcrumbs.maxEntries`). */
  breadcrumbs?: HudBreadcrumb[];
  /** How many older breadcrumbs were dropped to stay within `breadcrumbs.maxEntries`. */
  breadcrumbsDropped?: number;
  /** For trigger `duration`: the rule that fired, its threshold, and the name's recent p50/p99. */
  latency?: LatencyVerdict;
  /** Present when OpenTelemetry had an active span. */
  trace?: { traceId: string; spanId: string };
}
