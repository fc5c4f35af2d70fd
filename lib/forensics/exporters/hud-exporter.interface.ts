import type { ForensicsRecord } from '../forensics-record.interface.js';

/**
 * Receives records in batches. A throw, a rejection or a hang is isolated and counted in
 * `HudForensics.stats()`; it never reaches the app.
 *
 * @publicApi
 */
export interface HudExporter {
  export(records: ForensicsRecord[]): void | Promise<void>;
  /** Called once on application shutdown, after the last batch. */
  shutdown?(): Promise<void>;
}
