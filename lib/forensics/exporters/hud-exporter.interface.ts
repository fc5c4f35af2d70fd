// forensics/exporters/: where records go: the exporter interface and the logger, memory and NDJSON file exporters.
import type { ForensicsRecord } from '../forensics-record.interface.js';

/**
 * Receives records in batches. Each exporter has its own lane: its own bounded queue, one
 * call in flight and its own `exportTimeoutMs`, so a slow one never delays the others. A
 * throw, a rejection or a hang is isolated and counted in `HudForensics.stats()`; it never
 * reaches the app. Records are frozen and shared by every exporter: copy one to change it.
 * Calls run outside every invocation: `getContext()` is `{}` there, and no request span is
 * active.
 *
 * @publicApi
 */
export interface HudExporter {
  export(records: readonly ForensicsRecord[]): void | Promise<void>;
  /** Called by `HudForensics.flush()` once everything queued for this exporter was exported. */
  forceFlush?(): Promise<void>;
  /** Called once on application shutdown, after the last batch. */
  shutdown?(): Promise<void>;
}
