import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ForensicsRecord } from '../forensics-record.interface.js';
import type { HudExporter } from './hud-exporter.interface.js';

const NEWLINE = 0x0a;
/** How every line this exporter writes begins (`id` is the first key of a record). */
const RECORD_START = Buffer.from('{"id":"');
const TAIL_CHUNK_BYTES = 64 * 1024;
/** A torn line is at most one batch; an unterminated tail longer than this is not ours. */
const MAX_TORN_TAIL_BYTES = 64 * 1024 * 1024;

/** Options of `NdjsonFileExporter`. */
export interface NdjsonFileExporterOptions {
  /** File the records are appended to, one JSON object per line. Created (with its folder) when absent. */
  path: string;
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
 * @example
 * HudModule.forRoot({ exporters: [new NdjsonFileExporter({ path: '/var/log/orders-api/hud.ndjson' })] });
 * @publicApi
 */
export class NdjsonFileExporter implements HudExporter {
  /** The file records go to. */
  readonly path: string;
  private file: Promise<{ handle: FileHandle; sealTail: boolean }> | undefined;
  /** The last write; each write waits for the one before, so lines never interleave. */
  private lastWrite: Promise<void> = Promise.resolve();

  constructor(options: NdjsonFileExporterOptions) {
    if (options === null || typeof options !== 'object' || typeof options.path !== 'string' || options.path.length === 0) {
      throw new TypeError("NdjsonFileExporter: options.path must be a non-empty string, e.g. new NdjsonFileExporter({ path: 'hud.ndjson' })");
    }
    this.path = options.path;
  }

  export(records: readonly ForensicsRecord[]): Promise<void> {
    const { text, unserialisable } = toLines(records);
    const write = this.lastWrite.then(() => (text.length > 0 ? this.append(Buffer.from(text, 'utf8')) : undefined));
    this.lastWrite = write.then(noop, noop);
    if (unserialisable === 0) return write;
    return write.then(() => {
      throw new Error(`NdjsonFileExporter: ${unserialisable} record(s) could not be serialised to JSON (changed by beforeRecord?) and were left out`);
    });
  }

  /** Resolves once every queued line is written and synced to disk; the file is then closed. */
  async shutdown(): Promise<void> {
    await this.lastWrite;
    const file = this.file;
    this.file = undefined;
    if (file === undefined) return;
    let handle: FileHandle;
    try {
      ({ handle } = await file);
    } catch {
      return; // it never opened: nothing to sync
    }
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  private async append(buffer: Buffer): Promise<void> {
    const opened = await this.openFile();
    if (opened.sealTail) {
      opened.sealTail = false;
      buffer = Buffer.concat([Buffer.of(NEWLINE), buffer]);
    }
    // One call writes the whole batch; the loop only continues after a short write.
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesWritten } = await opened.handle.write(buffer, offset, buffer.length - offset);
      offset += bytesWritten;
    }
  }

  private openFile(): Promise<{ handle: FileHandle; sealTail: boolean }> {
    if (this.file === undefined) {
      const opening = openForAppend(this.path);
      this.file = opening;
      // A failed open (missing permission, say) is retried by the next batch.
      opening.catch(() => {
        if (this.file === opening) this.file = undefined;
      });
    }
    return this.file;
  }
}

async function openForAppend(path: string): Promise<{ handle: FileHandle; sealTail: boolean }> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'a+');
  try {
    return { handle, sealTail: await repairTornTail(handle) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Looks at the end of the file before the first write. A process killed inside a `write`
 * call can leave its last line unterminated: Linux stops a write at a page boundary when
 * SIGKILL arrives, whatever the size of the write. Such a fragment of one of our records
 * (it starts with `{"id":"`) is cut off, so every line of the file parses again. Any other
 * unterminated text is not ours to delete: it is kept, and `true` is returned so that the
 * first write starts with a newline.
 */
async function repairTornTail(handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return false;
  const lastByte = Buffer.alloc(1);
  await handle.read(lastByte, 0, 1, size - 1);
  if (lastByte[0] === NEWLINE) return false;

  let fragmentStart: number | undefined;
  let end = size;
  const chunk = Buffer.alloc(TAIL_CHUNK_BYTES);
  while (end > 0 && size - end < MAX_TORN_TAIL_BYTES) {
    const start = Math.max(0, end - TAIL_CHUNK_BYTES);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (newline !== -1) {
      fragmentStart = start + newline + 1;
      break;
    }
    end = start;
  }
  if (fragmentStart === undefined && end === 0) fragmentStart = 0;
  if (fragmentStart === undefined) return true; // too long to be one torn batch: keep it

  const head = Buffer.alloc(RECORD_START.length);
  const { bytesRead } = await handle.read(head, 0, head.length, fragmentStart);
  if (bytesRead === head.length && head.equals(RECORD_START)) {
    await handle.truncate(fragmentStart);
    return false;
  }
  return true;
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

function noop(): void {}
