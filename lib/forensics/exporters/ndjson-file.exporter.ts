import type { ForensicsRecord } from '../forensics-record.interface.js';
import type { HudExporter } from './hud-exporter.interface.js';
import { AppendOnlyFile, StalledWrite } from './append-only.file.js';

/**
 * The most bytes of lines waiting to be written. A file that stopped taking writes (a FIFO
 * nobody reads, a full pipe, a hung mount) would otherwise gather every batch the exporter is
 * handed while its lane times out and moves on: a few MB a second under load.
 */
export const NDJSON_MAX_HELD_BYTES = 8 * 1024 * 1024;
/** First wait before writing again to a file that answered EAGAIN; doubled up to the maximum. */
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1000;

/** Options of `NdjsonFileExporter`. */
export interface NdjsonFileExporterOptions {
  /** File the records are appended to, one JSON object per line. Created (with its folder) when absent. */
  path: string;
}

/** Lines of one `export()` call waiting for the file, and how to tell the caller. */
interface PendingBatch {
  bytes: Buffer;
  /** Bytes already written, when the file took only part of the batch. */
  written: number;
  settle: (error?: unknown) => void;
}

/**
 * Appends each record as one line of JSON to a file (NDJSON), for `tail -f`, `jq` or a log
 * shipper.
 *
 * A batch is serialised first and written as complete lines with one `write` call on a file
 * opened for appending, so a process killed between writes never leaves half a line. A
 * process killed *inside* a write can still leave its last line unterminated (the kernel
 * stops the write at a page boundary); the next `NdjsonFileExporter` to open the file cuts
 * that fragment off before its first write, so it never glues onto a new record. Readers
 * that follow the file should, as usual for NDJSON, ignore a last line without its newline.
 * Use one file per process. `shutdown()` resolves once every line is written and synced to
 * disk.
 *
 * The path is checked before each batch: after logrotate renamed the file, or the file or
 * its folder was deleted, it is opened (and created) again. A file that takes no writes for
 * now (a FIFO nobody reads) is retried, holding at most `NDJSON_MAX_HELD_BYTES` of lines;
 * batches beyond that, like batches that fail to write, are refused, so the pipeline counts
 * them as failed (`stats().exporters`), never as exported.
 *
 * @example
 * HudModule.forRoot({ exporters: [new NdjsonFileExporter({ path: '/var/log/orders-api/hud.ndjson' })] });
 * @publicApi
 */
export class NdjsonFileExporter implements HudExporter {
  /** The file records go to. */
  readonly path: string;
  private readonly file: AppendOnlyFile;
  /** Batches in order, the one being written first; lines never interleave. */
  private readonly pending: PendingBatch[] = [];
  private heldBytes = 0;
  private writing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;
  private idleWaiters: Array<() => void> = [];

  constructor(options: NdjsonFileExporterOptions) {
    if (options === null || typeof options !== 'object' || typeof options.path !== 'string' || options.path.length === 0) {
      throw new TypeError("NdjsonFileExporter: options.path must be a non-empty string, e.g. new NdjsonFileExporter({ path: 'hud.ndjson' })");
    }
    this.path = options.path;
    this.file = new AppendOnlyFile(options.path);
  }

  export(records: readonly ForensicsRecord[]): Promise<void> {
    const { text, unserialisable } = toLines(records);
    const written = text.length > 0 ? this.enqueue(Buffer.from(text, 'utf8'), records.length - unserialisable) : Promise.resolve();
    if (unserialisable === 0) return written;
    return written.then(() => {
      throw new Error(`NdjsonFileExporter: ${unserialisable} record(s) could not be serialised to JSON (changed by beforeRecord?) and were left out`);
    });
  }

  /** Resolves once every queued line is written and synced to disk; the file is then closed. */
  async shutdown(): Promise<void> {
    await this.idle();
    await this.file.close();
  }

  private enqueue(bytes: Buffer, records: number): Promise<void> {
    // one batch is always taken, however large: it is bounded by the lane's maxQueueSize
    if (this.heldBytes > 0 && this.heldBytes + bytes.length > NDJSON_MAX_HELD_BYTES) {
      return Promise.reject(
        new Error(
          `NdjsonFileExporter: ${this.path} is not taking writes fast enough (${this.heldBytes} bytes waiting, at most ${NDJSON_MAX_HELD_BYTES}): ${records} record(s) not written`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ bytes, written: 0, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      this.heldBytes += bytes.length;
      this.writeNext();
    });
  }

  /** Writes the oldest batch, unless a write is under way or the file asked us to wait. */
  private writeNext(): void {
    if (this.writing || this.retryTimer !== undefined) return;
    const batch = this.pending[0];
    if (batch === undefined) {
      for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    this.writing = true;
    this.file.append(batch.bytes, batch.written).then(
      () => this.settle(batch),
      (error: unknown) => {
        if (error instanceof StalledWrite) {
          batch.written = error.written;
          this.retryLater();
        } else {
          this.settle(batch, error);
        }
      },
    ).finally(() => {
      this.writing = false;
      this.writeNext();
    });
  }

  private settle(batch: PendingBatch, error?: unknown): void {
    this.pending.shift();
    this.heldBytes -= batch.bytes.length;
    this.retryMs = FIRST_RETRY_MS;
    batch.settle(error);
  }

  /**
   * Writes again after a pause that doubles while the file stays full. The timer is
   * `unref()`'d: lines waiting for a reader that never comes do not keep the process alive.
   */
  private retryLater(): void {
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.writeNext();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  /** Resolves once every batch handed in so far is written (or failed). */
  private idle(): Promise<void> {
    if (this.pending.length === 0 && !this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** One JSON line per record; a record that cannot be serialised is left out and counted. */
function toLines(records: readonly ForensicsRecord[]): { text: string; unserialisable: number } {
  let text = '';
  let unserialisable = 0;
  for (const record of records) {
    try {
      const line = JSON.stringify(record);
      if (typeof line === 'string') text += `${line}\n`;
      else unserialisable++;
    } catch {
      unserialisable++;
    }
  }
  return { text, unserialisable };
}
