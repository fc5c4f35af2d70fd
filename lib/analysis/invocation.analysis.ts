// analysis/: fed by every completed invocation (HudRuntime.complete): suspects counters, latency baselines, metrics.
import type { Invocation } from '../context/invocation.js';
import type { ForensicsTrigger } from '../forensics/forensics-record.interface.js';
import { Logger } from '@nestjs/common';
import { Redactor } from '../forensics/redactor.js';
import { HudNotes } from '../hud.notes.js';
import type { HudOptions } from '../hud.options.js';
import type { HudSuspectFilter, HudSuspectReport } from './suspects/hud-suspect-report.interface.js';
import { SuspectCounters } from './suspects/suspect.counters.js';
import { OUTCOME_FAILING, OUTCOME_OK, OUTCOME_SLOW } from './suspects/value.table.js';

/** Sees every completed invocation with its outcome (e.g. the OpenTelemetry metrics). */
export interface InvocationObserver {
  observe(invocation: Invocation, trigger: ForensicsTrigger | undefined): void;
}

/**
 * What is learnt from every completed invocation, failing or not, before the rate limit:
 * the suspects counters and, once installed, other observers (metrics). One per module,
 * made by its `HudRuntime` and shared with its `HudForensics`.
 */
export class InvocationAnalysis {
  readonly suspects: SuspectCounters | undefined;
  private observer: InvocationObserver | undefined;
  constructor(
    options: HudOptions,
    redactor = new Redactor(options.redact),
    private readonly notes = new HudNotes(new Logger('Hud')),
  ) {
    this.suspects = options.suspects === false ? undefined : new SuspectCounters(options.suspects, (key) => redactor.shouldRedact(key));
  }

  /** One slot: the metrics, installed once `@opentelemetry/api` is loaded. */
  setObserver(observer: InvocationObserver | undefined): void {
    this.observer = observer;
  }

  /**
   * Counts a completed invocation. A trigger other than `duration` is a failure (`error`,
   * `status`, `failure`). Runs on the app's path: cheap, and never throws.
   */
  observe(invocation: Invocation, trigger: ForensicsTrigger | undefined): void {
    try {
      if (this.suspects !== undefined) {
        const outcome = trigger === undefined ? OUTCOME_OK : trigger === 'duration' ? OUTCOME_SLOW : OUTCOME_FAILING;
        const now = invocation.startedAtMs + invocation.durationMs;
        this.suspects.count(invocation.name, invocation.kind, invocation.values, invocation.keyCount > 0, outcome, now);
      }
      this.observer?.observe(invocation, trigger);
    } catch (error) {
      this.notes.warn('analysis', `counting an invocation for suspects or metrics failed: ${String(error)}`);
    }
  }

  suspectReports(filter?: HudSuspectFilter): HudSuspectReport[] {
    return this.suspects?.reports(filter) ?? [];
  }
}
