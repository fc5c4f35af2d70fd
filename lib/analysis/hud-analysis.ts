import { Logger } from '@nestjs/common';
import type { Invocation } from '../context/invocation.js';
import type { ForensicsTrigger } from '../forensics/forensics-record.interface.js';
import { decideTrigger } from '../forensics/failure.detector.js';
import { Redactor } from '../forensics/redactor.js';
import { HudNotes } from '../hud.notes.js';
import type { HudOptions } from '../hud.options.js';
import type { InvocationObserver } from './invocation.analysis.js';
import type { HudLatencyReport } from './latency/hud-latency-report.interface.js';
import { LatencyBaselines } from './latency/latency.baselines.js';
import type { HudSuspectFilter, HudSuspectReport } from './suspects/hud-suspect-report.interface.js';
import { SuspectCounters } from './suspects/suspect.counters.js';

/**
 * The one owner of what is learnt from every completed invocation, failing or not: each
 * name's latency baseline, the suspects counters, and any other observer (the OpenTelemetry
 * metrics). One per module, made by its `HudRuntime`; `HudForensics` reads its reports.
 * `HudRuntime.complete` asks it first why an invocation deserves a record (`decide`), then
 * lets every observer see it (`observe`), then hands it to the forensics pipeline.
 */
export class HudAnalysis {
  /** Each name's recent latencies (`slowBaseline`); none when it is `false`. */
  readonly latency: LatencyBaselines | undefined;
  /** The suspects counters (`suspects`); none when it is `false`. */
  readonly suspects: SuspectCounters | undefined;
  private readonly observers: InvocationObserver[] = [];

  constructor(
    private readonly options: HudOptions,
    redactor = new Redactor(options.redact),
    private readonly notes = new HudNotes(new Logger('Hud')),
  ) {
    this.latency = options.slowBaseline === false ? undefined : new LatencyBaselines(options.slowBaseline);
    this.suspects = options.suspects === false ? undefined : new SuspectCounters(options.suspects, (key) => redactor.shouldRedact(key));
    if (this.latency !== undefined) this.observers.push(this.latency);
    if (this.suspects !== undefined) this.observers.push(this.suspects);
  }

  /** One more observer of every completed invocation (the metrics, once `@opentelemetry/api` is loaded). */
  addObserver(observer: InvocationObserver): void {
    this.observers.push(observer);
  }

  /**
   * Why this completed invocation deserves a record (`error`, `status`, `failure`,
   * `duration`), or `undefined`: the slowness rules use the name's own baseline.
   */
  decide(invocation: Invocation, nowMs: number): ForensicsTrigger | undefined {
    return decideTrigger(invocation, this.options, this.latency?.windowFor(invocation.name, invocation.kind), nowMs);
  }

  /**
   * Lets every observer count a completed invocation. Runs on the app's path: cheap, and
   * never throws; an observer that throws is reported once and the others still count.
   */
  observe(invocation: Invocation, trigger: ForensicsTrigger | undefined): void {
    const observers = this.observers;
    // one try around the loop (a try per observer costs every invocation more); after a throw
    // the loop goes on with the next observer
    for (let i = 0; i < observers.length; i++) {
      try {
        for (; i < observers.length; i++) observers[i].observe(invocation, trigger);
      } catch (error) {
        this.notes.warn('analysis', `counting an invocation for suspects, latency or metrics failed: ${String(error)}`);
      }
    }
  }

  suspectReports(filter?: HudSuspectFilter): HudSuspectReport[] {
    return this.suspects?.reports(filter) ?? [];
  }

  latencyReports(name?: string): HudLatencyReport[] {
    return this.latency?.report(name) ?? [];
  }
}
