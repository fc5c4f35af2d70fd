import type { HudExporter } from './exporters/hud-exporter.interface.js';
import type { ForensicsRecord } from './forensics-record.interface.js';
import type { HudExporterStats } from './forensics.stats.js';
import { runDetached } from './detached.scope.js';
import { describeThrown, type HudNotes } from '../hud.notes.js';

const TIMED_OUT = Symbol('timed out');

/** The name an exporter is shown under: its class name. */
export function exporterName(exporter: HudExporter): string {
  return exporter.constructor?.name || 'exporter';
}

/**
 * One exporter's own path out of the pipeline, as OpenTelemetry's batch span processor is
 * for a span exporter: a bounded queue, one call in flight, a time limit per call and its
 * own counters. Lanes never wait for one another, so a slow or hanging exporter delays only
 * itself. A full queue drops its oldest records, so what an exporter gets after an outage is
 * the most recent. Every call runs outside every invocation (see `runDetached`).
 */
export class ExporterLane {
  readonly name: string;
  private readonly counters = { exported: 0, failed: 0, errors: 0, timeouts: 0, dropped: 0 };
  private waiting: ForensicsRecord[] = [];
  /** Records handed to the call in flight; they count against the bound too. */
  private inFlight = 0;
  private running = false;
  private idleWaiters: Array<() => void> = [];
  /** Time-outs of the calls in progress (an export, and perhaps a forceFlush). */
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Set by `shutdown`: later records are dropped and counted, never exported. */
  private closed = false;
  /** Set by `abandon`: the lane gave up waiting for its exporter. */
  private abandoned = false;

  constructor(
    private readonly exporter: HudExporter,
    private readonly maxQueueSize: number,
    private readonly exportTimeoutMs: number,
    private readonly reporter: HudNotes,
  ) {
    this.name = exporterName(exporter);
  }

  stats(): HudExporterStats {
    return { name: this.name, ...this.counters, queued: this.waiting.length + this.inFlight };
  }

  /** Queues records (shared, frozen) for this exporter; never waits, never throws. */
  offer(records: readonly ForensicsRecord[]): void {
    if (this.closed) {
      this.counters.dropped += records.length;
      return;
    }
    for (const record of records) this.waiting.push(record);
    const over = this.waiting.length + this.inFlight - this.maxQueueSize;
    if (over > 0) {
      this.waiting.splice(0, over); // the oldest waiting ones; the batch in flight is the exporter's
      this.counters.dropped += over;
      this.reporter.error(
        `queue:${this.name}`,
        `${this.name} is not keeping up: its queue is full (maxQueueSize ${this.maxQueueSize}), its oldest records are dropped; see stats().exporters`,
      );
    }
    if (!this.running) this.drain();
  }

  /** Resolves once nothing is queued or in flight, then lets the exporter flush (`forceFlush`), unless it was shut down. */
  async flush(): Promise<void> {
    await this.idle();
    const exporter = this.exporter;
    if (typeof exporter.forceFlush === 'function' && !this.closed) await this.call('forceFlush', () => exporter.forceFlush!());
  }

  /** Exports everything queued, then shuts the exporter down; later records are only counted. */
  async shutdown(): Promise<void> {
    await this.idle();
    this.closed = true;
    const exporter = this.exporter;
    if (typeof exporter.shutdown === 'function' && !this.abandoned) await this.call('shutdown', () => exporter.shutdown!());
  }

  /**
   * Stops waiting for an exporter that did not finish in time at shutdown: its time-out is
   * cleared so nothing of the lane keeps the process alive, and what it still held stays in
   * `queued`, never exported.
   */
  abandon(): void {
    this.abandoned = true;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.wakeIdleWaiters();
  }

  private idle(): Promise<void> {
    if (!this.running || this.abandoned) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Exports what waits, one call at a time. An exporter that answers synchronously (as most
   * do: logging, memory, a counter) is called again at once, with no promise or timer made
   * per call; one that returns a promise is waited for before the next call.
   */
  private drain(): void {
    this.running = true;
    while (this.waiting.length > 0 && !this.abandoned) {
      const batch = this.waiting;
      this.waiting = [];
      this.inFlight = batch.length;
      const done = this.call('export', () => this.exporter.export(batch));
      if (typeof done !== 'boolean') {
        void done.then((finished) => {
          if (this.abandoned) return; // the records stay counted as queued
          this.settle(batch.length, finished);
          this.drain();
        });
        return;
      }
      this.settle(batch.length, done);
    }
    this.running = false;
    this.wakeIdleWaiters();
  }

  private settle(records: number, finished: boolean): void {
    this.counters[finished ? 'exported' : 'failed'] += records;
    this.inFlight = 0;
  }

  private wakeIdleWaiters(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * One call into the exporter, outside every invocation. `true` when it finished, `false`
   * when it threw, rejected or timed out (counted, reported once); a promise of that when the
   * exporter returned one, which then has `exportTimeoutMs` to settle. The timer is not
   * `unref()`'d: an export in progress keeps the process alive for at most that long, so a
   * process that is shutting down does not exit mid-export.
   */
  private call(what: 'export' | 'forceFlush' | 'shutdown', fn: () => void | Promise<void>): boolean | Promise<boolean> {
    const label = what === 'export' ? this.name : `${this.name}.${what}()`;
    try {
      const result: unknown = runDetached(fn);
      return isThenable(result) ? this.awaitCall(label, result) : true;
    } catch (error) {
      // a throw, or a `then` getter that throws
      this.noteError(label, error);
      return false;
    }
  }

  private async awaitCall(label: string, pending: PromiseLike<unknown>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, this.exportTimeoutMs, TIMED_OUT);
      this.timers.add(timer);
    });
    try {
      const outcome = await Promise.race([pending, timedOut]);
      if (outcome !== TIMED_OUT) return true;
      this.counters.timeouts++;
      this.reporter.error(
        `timeout:${label}`,
        `${label} did not finish within exportTimeoutMs (${this.exportTimeoutMs} ms); further time-outs are only counted`,
      );
    } catch (error) {
      this.noteError(label, error);
    } finally {
      clearTimeout(timer);
      this.timers.delete(timer!);
    }
    return false;
  }

  private noteError(label: string, error: unknown): void {
    this.counters.errors++;
    this.reporter.error(`error:${label}`, `${label} failed: ${describeThrown(error)}; further failures are only counted`);
  }
}

/** Whether an exporter's answer is a promise (or any thenable) to wait for. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
