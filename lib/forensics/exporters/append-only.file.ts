import { constants } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { repairTornTail } from './ndjson-torn-tail.repair.js';

const NEWLINE = Buffer.of(0x0a);

/**
 * Append, create, read (for the torn-tail repair), and never block: a FIFO nobody reads (or
 * a pipe, a terminal) answers a write it cannot take with EAGAIN, instead of holding one of
 * libuv's threads, and with it the process, forever. On a regular file O_NONBLOCK changes
 * nothing.
 */
const FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK;

/** What `stat` of the path answers once the file, or a folder on its path, was moved or deleted. */
const GONE_CODES = new Set(['ENOENT', 'ENOTDIR']);
/** Write errors after which the handle is given up and the path opened again for the next batch. */
const DEAD_HANDLE_CODES = new Set(['EBADF', 'EIO', 'ESTALE', 'EPIPE']);

interface OpenFile {
  handle: FileHandle;
  dev: number;
  ino: number;
  /** Only a regular file can be synced to disk (a FIFO refuses `fdatasync`). */
  regular: boolean;
}

/** The file took no more bytes for now (EAGAIN); `written` bytes of the buffer went in before. */
export class StalledWrite extends Error {
  constructor(readonly written: number) {
    super('the file takes no more bytes for now (EAGAIN)');
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The file an `NdjsonFileExporter` appends to, always the one its path names now. Before
 * each batch it compares the path's device and inode with those of the file it holds open,
 * as Python's `WatchedFileHandler` does: after logrotate renamed the file, or someone
 * deleted it or its folder, the held file is synced and closed and the path opened again
 * (folder and file recreated), so records go where readers look for them, not into a
 * renamed or deleted file. One `stat` per batch costs less than a signal handler the app
 * never asked for (a SIGHUP listener would even stop the default of ending the process).
 */
export class AppendOnlyFile {
  private file: OpenFile | undefined;

  constructor(readonly path: string) {}

  /**
   * Appends `buffer` from `offset` on, with as many writes as it takes, and resolves once
   * all of it is written. A batch's first write (`offset` 0) goes to the file the path
   * names now; the rest of a batch cut short by EAGAIN follows its beginning, so a line is
   * never split across two files. Throws `StalledWrite` on EAGAIN, anything else as it is.
   */
  async append(buffer: Buffer, offset: number): Promise<void> {
    const file = offset === 0 ? await this.current() : (this.file ?? (await this.current()));
    let position = offset;
    try {
      while (position < buffer.length) {
        const { bytesWritten } = await file.handle.write(buffer, position, buffer.length - position);
        position += bytesWritten;
      }
    } catch (error) {
      if (codeOf(error) === 'EAGAIN') throw new StalledWrite(position);
      if (DEAD_HANDLE_CODES.has(codeOf(error) ?? '')) await this.release(false);
      throw error;
    }
  }

  /** Syncs (a regular file) and closes the file held open, if any. */
  async close(): Promise<void> {
    await this.release(true);
  }

  /** The file the path names now, opened again when it is not the one held. */
  private async current(): Promise<OpenFile> {
    const held = this.file;
    if (held !== undefined) {
      let now: { dev: number; ino: number } | undefined;
      try {
        now = await stat(this.path);
      } catch (error) {
        // only a path that names nothing any more means the file (or a folder) was moved or deleted
        if (!GONE_CODES.has(codeOf(error) ?? '')) return held;
      }
      if (now !== undefined && now.dev === held.dev && now.ino === held.ino) return held;
      // what went into the old file stays there; a failing sync must not stop the new one
      await this.release(true).catch(() => undefined);
    }
    this.file = await openForAppend(this.path);
    return this.file;
  }

  private async release(sync: boolean): Promise<void> {
    const file = this.file;
    this.file = undefined;
    if (file === undefined) return;
    try {
      if (sync && file.regular) await file.handle.datasync();
    } finally {
      await file.handle.close().catch(() => undefined);
    }
  }
}

async function openForAppend(path: string): Promise<OpenFile> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, FLAGS);
  try {
    const info = await handle.stat();
    // text left unterminated by another writer gets a newline before our first line
    if (await repairTornTail(handle)) await handle.write(NEWLINE);
    return { handle, dev: info.dev, ino: info.ino, regular: info.isFile() };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
