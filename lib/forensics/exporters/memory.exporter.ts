import type { ForensicsRecord } from '../forensics-record.interface.js';
import type { HudExporter } from './hud-exporter.interface.js';

interface Waiter {
  predicate: (record: ForensicsRecord) => boolean;
  resolve: (record: ForensicsRecord) => void;
}

/**
 * Keeps records in memory, for tests: `records`, `clear()` and `waitFor(predicate)`. The
 * records are the frozen ones every exporter shares: read them, copy one to change it.
 *
 * @publicApi
 */
export class MemoryExporter implements HudExporter {
  private readonly stored: ForensicsRecord[] = [];
  private waiters: Waiter[] = [];

  /** Every record exported so far (since the last `clear()`), oldest first. */
  get records(): readonly ForensicsRecord[] {
    return this.stored;
  }

  export(records: readonly ForensicsRecord[]): void {
    for (const record of records) {
      this.stored.push(record);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.predicate(record)) return true;
        waiter.resolve(record);
        return false;
      });
    }
  }

  /** Forgets the records received so far. */
  clear(): void {
    this.stored.length = 0;
  }

  /**
   * Resolves with the first record (already stored or still to come) that matches,
   * or rejects after `timeoutMs`.
   */
  waitFor(predicate: (record: ForensicsRecord) => boolean = () => true, timeoutMs = 5000): Promise<ForensicsRecord> {
    const found = this.stored.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`MemoryExporter.waitFor: no matching record within ${timeoutMs} ms (${this.stored.length} records seen)`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (record) => {
          clearTimeout(timer);
          resolve(record);
        },
      };
      this.waiters.push(waiter);
    });
  }
}
