// forensics/: what happens to a failing invocation: trigger, rate limit, record building (gate), one lane per exporter, stats.
import type { HudLatencyReport } from '../analysis/latency/hud-latency-report.interface.js';
import type { Invocation } from '../context/invocation.js';
import type { HudOptions } from '../hud.options.js';
import { ExporterLane } from './exporter.lane.js';
import type { HudExporter } from './exporters/hud-exporter.interface.js';
import type { ForensicsTrigger } from './forensics-record.interface.js';
import type { HudForensicsStats } from './forensics.stats.js';
import { RateLimiter } from './rate.limiter.js';
import { RecordGate } from './record.gate.js';
import { Logger } from '@nestjs/common';
import { HudAnalysis } from '../analysis/hud-analysis.js';
import { HudNotes } from '../hud.notes.js';
import { Redactor } from './redactor.js';
import type { HudSuspectFilter, HudSuspectReport } from '../analysis/suspects/hud-suspect-report.interface.js';
import type { HudChangeFilter, HudChangeReport } from '../analysis/changes/hud-change-report.interface.js';

const TIMED_OUT = Symbol('timed out');

/**
 * The part of `shutdownTimeoutMs` the exporters always get once Nest has closed its servers,
 * however long that took: the records of the last requests are exported and files synced
 * and closed, instead of being given up on at once.
 */
export const FINAL_SHARE = 0.25;

/** What the pipeline shares with the rest of its module (see `HudRuntime`): one of each per module. */
export interface ForensicsShared {
  redactor: Redactor;
  /** The suspects counters and latency baselines the reports are read from. */
  analysis: HudAnalysis;
}

/**
 * The forensics pipeline: failing invocations in, records out to the exporters.
 * Nothing here runs on the request's path but `submit`, which only counts and queues. A gate
 * builds each record once after the response, runs `beforeRecord` and freezes it; then each
 * exporter takes it through its own lane (bounded queue, one call in flight, its own time
 * limit and counters), outside every invocation. An exporter that throws, rejects or hangs
 * is isolated, counted and reported once, and never delays another.
 *
 * @publicApi
 */
export class HudForensics {
  /** Each kind of pipeline problem is reported once; later ones are only counted in `stats()`. */
  private readonly reporter = new HudNotes(new Logger('HudForensics'));
  private readonly analysis: HudAnalysis;
  private readonly rateLimiter: RateLimiter | undefined;
  private droppedByRateLimit = 0;
  private readonly gate: RecordGate;
  private readonly lanes: readonly ExporterLane[];
  private shuttingDown: Promise<void> | undefined;

  constructor(
    private readonly options: HudOptions,
    exporters: readonly HudExporter[],
    shared?: ForensicsShared,
  ) {
    const redactor = shared?.redactor ?? new Redactor(options.redact);
    this.analysis = shared?.analysis ?? new HudAnalysis(options, redactor, this.reporter);
    const { rateLimit } = options;
    this.rateLimiter = rateLimit === false ? undefined : new RateLimiter(rateLimit.perSecond, rateLimit.burst);
    this.lanes = exporters.map((exporter) => new ExporterLane(exporter, options.maxQueueSize, options.exportTimeoutMs, this.reporter));
    this.gate = new RecordGate(options, redactor, this.reporter, (records) => {
      for (const lane of this.lanes) lane.offer(records);
    });
  }

  /** Counters of the pipeline since start, in all and per exporter. */
  stats(): HudForensicsStats {
    const exporters = this.lanes.map((lane) => lane.stats());
    const sum = (field: 'dropped' | 'errors' | 'timeouts' | 'queued') => exporters.reduce((total, lane) => total + lane[field], 0);
    return {
      recorded: this.gate.recorded,
      droppedByRateLimit: this.droppedByRateLimit,
      droppedByQueue: sum('dropped'),
      droppedByHook: this.gate.droppedByHook,
      exporterErrors: sum('errors'),
      exporterTimeouts: sum('timeouts'),
      queued: this.gate.waiting + sum('queued'),
      exporters,
    };
  }

  /**
   * Each invocation name's recent latency (successful invocations in the `slowBaseline`
   * window) and failures, most invocations first; only `name`'s when given. `[]` when
   * `slowBaseline` is `false`.
   */
  latency(name?: string): HudLatencyReport[] {
    return this.analysis.latencyReports(name);
  }

  /**
   * Which context values are over-represented among the failures (or, with
   * `trigger: 'slow'`, the slow invocations) of each invocation name in the current window:
   * one report per name that had any, most failures first. P-values are adjusted for every
   * value tested: of `name` when given, else of every name (so the whole answer, not each
   * name's part of it, is wrong at most 1 time in 100). `[]` with `suspects: false`.
   */
  suspects(filter?: HudSuspectFilter): HudSuspectReport[] {
    return this.analysis.suspectReports(filter);
  }

  /**
   * The invocation names whose failure rate or latency rose in the last `changes.recentMs`
   * compared with the rest of the window, most significant first, each with the context
   * values its recent failures hit; only `name`'s when given. A steady failure rate, however
   * high, is no change. `[]` with `changes: false`.
   */
  changes(filter?: HudChangeFilter): HudChangeReport[] {
    return this.analysis.changeReports(filter);
  }

  /** Queues a completed failing invocation. Cheap and never throws: it runs on the app's path. */
  submit(invocation: Invocation, trigger: ForensicsTrigger): void {
    if (this.rateLimiter !== undefined && !this.rateLimiter.tryTake(invocation.name)) {
      this.droppedByRateLimit++;
      return;
    }
    this.gate.accept(invocation, trigger);
  }

  /**
   * Resolves once every record queued so far has been handed to every exporter (each within
   * `exportTimeoutMs` per call) and each exporter's `forceFlush()`, when it has one, is done.
   */
  async flush(): Promise<void> {
    this.gate.buildNow();
    await Promise.all(this.lanes.map((lane) => lane.flush()));
  }

  /**
   * Hands every exporter what was queued for it, then shuts each down, all within
   * `shutdownTimeoutMs`. Lanes finish independently: a hanging exporter costs only itself, and
   * is given up on at the deadline. Until then a timer keeps the process alive, so a process
   * whose only handle was the app does not exit half-way through. Called on application
   * shutdown, once Nest has closed its servers, with the time `app.close()` began
   * (`performance.now()`), so that the whole of `close()` stays within the limit when those
   * servers close in time. When they do not (a request still running, a keep-alive client
   * holding its connection: Nest waits for them), the exporters still get their final share
   * of the limit (`FINAL_SHARE`), to export the last records and close their files; later
   * calls return the same promise.
   */
  shutdown(closingSince: number = performance.now()): Promise<void> {
    return (this.shuttingDown ??= this.shutDownLanes(closingSince));
  }

  private async shutDownLanes(closingSince: number): Promise<void> {
    this.gate.buildNow();
    const { shutdownTimeoutMs } = this.options;
    const budgetMs = Math.max(shutdownTimeoutMs - (performance.now() - closingSince), shutdownTimeoutMs * FINAL_SHARE);
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
      deadline = setTimeout(resolve, budgetMs, TIMED_OUT);
    });
    const pending = new Set(this.lanes);
    const done = Promise.all(this.lanes.map((lane) => lane.shutdown().then(() => pending.delete(lane))));
    const outcome = await Promise.race([done, timedOut]);
    clearTimeout(deadline);
    if (outcome !== TIMED_OUT) return;
    const late: string[] = [];
    for (const lane of pending) {
      late.push(`${lane.name} (${lane.stats().queued} records not exported)`);
      lane.abandon();
    }
    this.reporter.error(
      'shutdown',
      `shutdown did not finish within shutdownTimeoutMs (${this.options.shutdownTimeoutMs} ms): gave up on ${late.join(', ')}`,
    );
  }
}
