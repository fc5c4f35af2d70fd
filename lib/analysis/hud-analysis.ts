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
import { HudSuspectsOptions } from '../options/hud-suspects.options.js';
import { ChangeDetector, type ChangeFinding } from './changes/change.detector.js';
import type { HudChangeFilter, HudChangeReport } from './changes/hud-change-report.interface.js';

/**
 * The one owner of what is learnt from every completed invocation, failing or not: each
 * name's latency baseline, the suspects counters (which what changed reads too), and any
 * other observer (the OpenTelemetry metrics). One per module, made by its `HudRuntime`;
 * `HudForensics` and the inspector read its reports.
 * `HudRuntime.complete` asks it first why an invocation deserves a record (`decide`), then
 * lets every observer see it (`observe`), then hands it to the forensics pipeline.
 */
export class HudAnalysis {
  /** Each name's recent latencies (`slowBaseline`); none when it is `false`. */
  readonly latency: LatencyBaselines | undefined;
  /**
   * Each name's counts per bucket and per context value (`suspects`); only the names' own
   * counts when `suspects` is `false` and `changes` is on; none when both are off.
   */
  readonly counters: SuspectCounters | undefined;
  /** What changed (`changes`), read from the counters and the latency sketches. */
  readonly changes: ChangeDetector | undefined;
  private readonly observers: InvocationObserver[] = [];

  constructor(
    private readonly options: HudOptions,
    redactor = new Redactor(options.redact),
    private readonly notes = new HudNotes(new Logger('Hud')),
  ) {
    this.latency = options.slowBaseline === false ? undefined : new LatencyBaselines(options.slowBaseline);
    const { suspects, changes } = options;
    // what changed needs the names' counts per bucket, even with the suspects off
    const counted = suspects !== false ? suspects : changes !== false ? Object.assign(new HudSuspectsOptions(), { keys: [] }) : undefined;
    this.counters = counted === undefined ? undefined : new SuspectCounters(counted, (key) => redactor.shouldRedact(key));
    if (changes !== false && this.counters !== undefined && counted !== undefined) {
      const { windowMs, minRelativeRisk } = counted;
      const recentMs = changes.recentMs ?? windowMs / 5;
      this.changes = new ChangeDetector({ windowMs, recentMs, minRatio: changes.minRatio, minFailures: changes.minFailures, minRelativeRisk }, this.counters, this.latency);
    }
    if (this.latency !== undefined) this.observers.push(this.latency);
    if (this.counters !== undefined) this.observers.push(this.counters);
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
    return this.options.suspects === false ? [] : (this.counters?.reports(filter) ?? []);
  }

  changeReports(filter?: HudChangeFilter): HudChangeReport[] {
    return this.changeFindings(filter).map((finding) => finding.report);
  }

  /** The changes with the counts per bucket the inspector draws. */
  changeFindings(filter?: HudChangeFilter, nowMs?: number): ChangeFinding[] {
    return this.changes?.findings(filter, nowMs) ?? [];
  }

  latencyReports(name?: string): HudLatencyReport[] {
    return this.latency?.report(name) ?? [];
  }
}
