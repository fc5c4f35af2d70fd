import { Logger } from '@nestjs/common';
import type { HudLatencyReport } from '../analysis/latency/hud-latency-report.interface.js';
import { latencyReportsOf } from '../analysis/latency/latency.registry.js';
import type { Invocation } from '../context/invocation.js';
import type { HudOptions } from '../hud.options.js';
import type { HudExporter } from './exporters/hud-exporter.interface.js';
import type { ForensicsRecord, ForensicsTrigger } from './forensics-record.interface.js';
import type { HudForensicsStats } from './forensics.stats.js';
import { RateLimiter } from './rate.limiter.js';
import { buildRecord } from './record.builder.js';
import { Redactor } from './redactor.js';
import { invocationAnalysisOf } from '../analysis/invocation.analysis.js';
import type { HudSuspectFilter, HudSuspectReport } from '../analysis/suspects/hud-suspect-report.interface.js';

interface Pending {
  invocation: Invocation;
  trigger: ForensicsTrigger;
}

const TIMED_OUT = Symbol('timed out');

function exporterName(exporter: HudExporter): string {
  return exporter.constructor?.name || 'exporter';
}

/** `String(error)` that cannot itself throw (a thrown object may have a throwing toString). */
function describeThrown(error: unknown): string {
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/**
 * The forensics pipeline: failing invocations in, records out to the exporters.
 * Nothing here runs on the request's path but `submit`, which only counts and queues;
 * records are built and exported later, in batches, from a bounded queue, and an
 * exporter that throws, rejects or hangs is isolated, counted and reported once.
 *
 * @publicApi
 */
export class HudForensics {
  private readonly logger = new Logger('HudForensics');
  private readonly counters: Omit<HudForensicsStats, 'queued'> = {
    recorded: 0,
    droppedByRateLimit: 0,
    droppedByQueue: 0,
    droppedByHook: 0,
    exporterErrors: 0,
    exporterTimeouts: 0,
  };
  private readonly rateLimiter: RateLimiter | undefined;
  private readonly redactor: Redactor;
  private pending: Pending[] = [];
  /** Records taken from `pending` and not yet handed to every exporter; they count against `maxQueueSize`. */
  private inFlight = 0;
  private draining: Promise<void> | undefined;
  private readonly reported = new Set<string>();
  private shuttingDown: Promise<void> | undefined;

  constructor(
    private readonly options: HudOptions,
    private readonly exporters: readonly HudExporter[],
  ) {
    const { rateLimit } = options;
    this.rateLimiter = rateLimit === false ? undefined : new RateLimiter(rateLimit.perSecond, rateLimit.burst);
    this.redactor = new Redactor(options.redact);
  }

  /** Counters of the pipeline since start. */
  stats(): HudForensicsStats {
    return { ...this.counters, queued: this.pending.length + this.inFlight };
  }

  /**
   * Each invocation name's recent latency (successful invocations in the `slowBaseline`
   * window) and failures, most invocations first; only `name`'s when given. `[]` when
   * `slowBaseline` is `false`.
   */
  latency(name?: string): HudLatencyReport[] {
    return latencyReportsOf(this, name);
  }

  /**
   * Which context values are over-represented among the failures (or, with
   * `trigger: 'slow'`, the slow invocations) of each invocation name in the current window:
   * one report per name that had any, most failures first. `[]` with `suspects: false`.
   */
  suspects(filter?: HudSuspectFilter): HudSuspectReport[] {
    return invocationAnalysisOf(this.options).suspectReports(filter);
  }

  /** Queues a completed failing invocation. Cheap and never throws: it runs on the app's path. */
  submit(invocation: Invocation, trigger: ForensicsTrigger): void {
    if (this.rateLimiter !== undefined && !this.rateLimiter.tryTake(invocation.name)) {
      this.counters.droppedByRateLimit++;
      return;
    }
    if (this.pending.length + this.inFlight >= this.options.maxQueueSize) {
      this.counters.droppedByQueue++;
      this.reportOnce('queue', `queue full (maxQueueSize ${this.options.maxQueueSize}): records dropped, see stats()`);
      return;
    }
    this.pending.push({ invocation, trigger });
    this.draining ??= this.drain();
  }

  /** Resolves once every queued record has been handed to the exporters. */
  async flush(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  /** Flushes, then lets each exporter release its resources. Called on application shutdown. */
  shutdown(): Promise<void> {
    return (this.shuttingDown ??= this.shutDownExporters());
  }

  private async shutDownExporters(): Promise<void> {
    await this.flush();
    await Promise.all(
      this.exporters
        .filter((exporter) => typeof exporter.shutdown === 'function')
        .map((exporter) => this.runIsolated(exporter, () => exporter.shutdown!())),
    );
  }

  private async drain(): Promise<void> {
    try {
      // Let the response leave first: records are built after it.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        this.inFlight = batch.length;
        const records = this.buildAll(batch);
        if (records.length > 0) {
          // Each exporter gets its own array: one that empties or sorts it cannot disturb another.
          await Promise.all(
            this.exporters.map((exporter) => this.runIsolated(exporter, () => exporter.export(records.slice()))),
          );
        }
        this.inFlight = 0;
      }
    } finally {
      this.inFlight = 0;
      this.draining = undefined;
    }
  }

  private buildAll(batch: readonly Pending[]): ForensicsRecord[] {
    const records: ForensicsRecord[] = [];
    for (const { invocation, trigger } of batch) {
      let record: ForensicsRecord | null;
      try {
        record = buildRecord(invocation, trigger, this.options.service, this.redactor);
      } catch (error) {
        this.reportOnce('build', `building a record failed: ${describeThrown(error)}`);
        continue;
      }
      record = this.applyHook(record);
      if (record === null) {
        this.counters.droppedByHook++;
        continue;
      }
      this.counters.recorded++;
      records.push(record);
    }
    return records;
  }

  /**
   * Runs `beforeRecord` on a copy of the record, so a hook that changes the record and then
   * throws leaves nothing half-changed: the record is then exported exactly as built.
   */
  private applyHook(record: ForensicsRecord): ForensicsRecord | null {
    const hook = this.options.beforeRecord;
    if (hook === undefined) return record;
    try {
      const copy = structuredClone(record);
      // The trace object is the key OpenTelemetryExporter finds the live span by: keep it.
      if (record.trace !== undefined) copy.trace = record.trace;
      const changed: unknown = hook(copy);
      if (changed === null) return null;
      if (changed !== null && typeof changed === 'object' && typeof (changed as PromiseLike<unknown>).then !== 'function') {
        return changed as ForensicsRecord;
      }
      this.reportOnce(
        'hook-result',
        'beforeRecord must return a record or null synchronously (it returned something else); records are exported as they were',
      );
      return record;
    } catch (error) {
      this.reportOnce('hook', `beforeRecord threw (${describeThrown(error)}); records are exported as they were. Further throws are not reported.`);
      return record;
    }
  }

  /** Runs one exporter call with a time limit; whatever it does, it resolves. */
  private async runIsolated(exporter: HudExporter, call: () => void | Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.options.exportTimeoutMs);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([Promise.resolve().then(call), timeout]);
      if (outcome === TIMED_OUT) {
        this.counters.exporterTimeouts++;
        this.reportOnce(`timeout:${exporterName(exporter)}`, `${exporterName(exporter)} did not finish within exportTimeoutMs (${this.options.exportTimeoutMs} ms); further time-outs are only counted`);
      }
    } catch (error) {
      this.counters.exporterErrors++;
      this.reportOnce(`error:${exporterName(exporter)}`, `${exporterName(exporter)} failed: ${describeThrown(error)}; further failures are only counted`);
    } finally {
      clearTimeout(timer);
    }
  }

  private reportOnce(id: string, message: string): void {
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.logger.error(message);
  }
}
