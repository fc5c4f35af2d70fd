import type { Invocation } from '../context/invocation.js';
import type { HudOptions } from '../hud.options.js';
import { runDetached } from './detached.scope.js';
import type { ForensicsRecord, ForensicsTrigger } from './forensics-record.interface.js';
import { describeThrown, type HudNotes } from '../hud.notes.js';
import { buildRecord } from './record.builder.js';
import { markRecordOfAppFilter } from './app-filter.errors.js';
import { deepFreeze } from './record.freezer.js';
import type { Redactor } from './redactor.js';

interface Pending {
  invocation: Invocation;
  trigger: ForensicsTrigger;
}

/**
 * The one step every record passes before the exporters' lanes: it builds the record once,
 * after the response (on the next turn of the event loop, outside every invocation), runs
 * `beforeRecord`, freezes the result and hands the same frozen objects to every lane.
 *
 * At most `maxQueueSize` completed invocations wait to be built; when more complete within
 * one turn they are built at once instead, so memory stays bounded and the lanes (which drop
 * their oldest records when full) decide what is kept.
 */
export class RecordGate {
  recorded = 0;
  droppedByHook = 0;
  private backlog: Pending[] = [];
  private scheduled = false;
  private readonly buildLater = () => this.buildNow();

  constructor(
    private readonly options: HudOptions,
    private readonly redactor: Redactor,
    private readonly reporter: HudNotes,
    private readonly deliver: (records: readonly ForensicsRecord[]) => void,
  ) {}

  /** Completed invocations waiting to be built. */
  get waiting(): number {
    return this.backlog.length;
  }

  /** Takes a completed failing invocation. Cheap and never throws: it runs on the app's path. */
  accept(invocation: Invocation, trigger: ForensicsTrigger): void {
    this.backlog.push({ invocation, trigger });
    if (this.backlog.length >= this.options.maxQueueSize) {
      this.buildNow();
    } else if (!this.scheduled) {
      this.scheduled = true;
      // Let the response leave first: records are built after it, and outside its context.
      runDetached(() => setImmediate(this.buildLater));
    }
  }

  /** Builds and delivers everything waiting now (flush and shutdown call it too). */
  buildNow(): void {
    this.scheduled = false;
    if (this.backlog.length === 0) return;
    const batch = this.backlog;
    this.backlog = [];
    runDetached(() => {
      const records = this.buildAll(batch);
      if (records.length > 0) this.deliver(records);
    });
  }

  private buildAll(batch: readonly Pending[]): ForensicsRecord[] {
    const records: ForensicsRecord[] = [];
    for (const { invocation, trigger } of batch) {
      let built: ForensicsRecord;
      try {
        built = buildRecord(invocation, trigger, this.options.service, this.redactor, this.options.version);
      } catch (error) {
        this.reporter.error('build', `building a record failed: ${describeThrown(error)}`);
        continue;
      }
      const record = this.applyHook(built);
      if (record === null) {
        this.droppedByHook++;
        continue;
      }
      // what we built is frozen already; what a hook returned can hold anything
      if (record !== built) {
        try {
          deepFreeze(record);
        } catch (error) {
          // a hook can return anything, a Proxy whose traps throw included
          this.reporter.error('freeze', `a record could not be frozen (${describeThrown(error)}); it is exported as it is`);
        }
      }
      markRecordOfAppFilter(record, invocation.error);
      this.recorded++;
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
      if (typeof changed === 'object' && typeof (changed as PromiseLike<unknown>).then !== 'function') {
        return changed as ForensicsRecord;
      }
      this.reporter.error(
        'hook-result',
        'beforeRecord must return a record or null synchronously (it returned something else); records are exported as they were',
      );
      return record;
    } catch (error) {
      this.reporter.error('hook', `beforeRecord threw (${describeThrown(error)}); records are exported as they were. Further throws are not reported.`);
      return record;
    }
  }
}
