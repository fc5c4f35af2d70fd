import type { FileHandle } from 'node:fs/promises';

const NEWLINE = 0x0a;
/** How every line `NdjsonFileExporter` writes begins (`id` is the first key of a record). */
const RECORD_START = Buffer.from('{"id":"');
const TAIL_CHUNK_BYTES = 64 * 1024;
/** A torn line is at most one batch; an unterminated tail longer than this is not ours. */
const MAX_TORN_TAIL_BYTES = 64 * 1024 * 1024;

/**
 * Looks at the end of the file before the first write. A process killed inside a `write`
 * call can leave its last line unterminated: Linux stops a write at a page boundary when
 * SIGKILL arrives, whatever the size of the write. Such a fragment of one of our records
 * (it starts with `{"id":"`) is cut off, so every line of the file parses again. Any other
 * unterminated text is not ours to delete: it is kept, and `true` is returned so that the
 * first write starts with a newline.
 */
export async function repairTornTail(handle: FileHandle): Promise<boolean> {
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
