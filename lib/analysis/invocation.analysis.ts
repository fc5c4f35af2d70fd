import { Logger } from '@nestjs/common';
import type { Invocation } from '../context/invocation.js';
import type { ForensicsTrigger } from '../forensics/forensics-record.interface.js';
import { redactorOf } from '../forensics/redactor.registry.js';
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
 * found from its options, so the runtime and `HudForensics` share it without wiring.
 */
export class InvocationAnalysis {
  readonly suspects: SuspectCounters | undefined;
  private observer: InvocationObserver | undefined;
  private warned = false;

  constructor(options: HudOptions) {
    const redactor = redactorOf(options);
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
      if (!this.warned) {
        this.warned = true;
        new Logger('Hud').warn(`counting an invocation for suspects or metrics failed: ${String(error)}`);
      }
    }
  }

  suspectReports(filter?: HudSuspectFilter): HudSuspectReport[] {
    return this.suspects?.reports(filter) ?? [];
  }
}

const analyses = new WeakMap<HudOptions, InvocationAnalysis>();

/** The analysis of the module these options belong to. */
export function invocationAnalysisOf(options: HudOptions): InvocationAnalysis {
  let analysis = analyses.get(options);
  if (analysis === undefined) {
    analysis = new InvocationAnalysis(options);
    analyses.set(options, analysis);
  }
  return analysis;
}
