import { randomUUID } from 'node:crypto';
import type { HudRuntime } from '../hud.runtime.js';
import type { HudContextProblem, HudContextValue, HudInvocationInfo, HudInvocationKind } from './context-value.types.js';

/** Transport details a record carries, filled by the binding that started the invocation. */
export interface InvocationDetails {
  http?: { method: string; route: string; url: string; statusCode: number };
  rpc?: { pattern: string; transport?: string };
  job?: { queue?: string; jobId?: string; attempt?: number };
}

/**
 * One unit of handled work (a request, a message, a job) and everything recorded about it.
 * It lives in the AsyncLocalStorage for exactly as long as the work runs; once `closed`,
 * writes are ignored and the object is only read by the record builder.
 */
export class Invocation {
  /** The context, on an object with no prototype, so no key can reach `Object.prototype`. */
  readonly values: Record<string, HudContextValue> = Object.create(null);
  keyCount = 0;
  dropped: HudContextProblem[] | undefined;
  details: InvocationDetails = {};
  /** The first error seen leaving the handler chain, if any. */
  error: unknown;
  hasError = false;
  /** `@HudSlowThreshold` of the handler, when it has one. */
  slowThresholdMs: number | false | undefined;
  /** The active span when the invocation started, when OpenTelemetry is in use. */
  trace: { traceId: string; spanId: string } | undefined;
  closed = false;
  readonly startedAt = Date.now();
  readonly startedAtMs = performance.now();
  durationMs = 0;
  private lazyId: string | undefined;

  constructor(
    readonly runtime: HudRuntime,
    readonly kind: HudInvocationKind,
    public name: string,
  ) {}

  get id(): string {
    return (this.lazyId ??= randomUUID());
  }

  noteError(error: unknown): void {
    if (!this.hasError) {
      this.hasError = true;
      this.error = error;
    }
  }

  noteProblems(problems: readonly HudContextProblem[]): void {
    (this.dropped ??= []).push(...problems);
  }

  info(): HudInvocationInfo {
    return { id: this.id, kind: this.kind, name: this.name, startedAt: new Date(this.startedAt) };
  }
}
