import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

// A file that stops taking writes (a FIFO nobody reads, a full pipe): the NdjsonFileExporter
// holds a bounded amount of lines for it, and once the app is closed nothing of it keeps the
// process alive.

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'support', 'ndjson-fifo.child.js');
/** What the exporter holds at most (docs/limits.md), plus room for the app's own garbage. */
const MAX_GROWTH_MB = 8 + 12;
/** How long the process may take to exit once close() resolved (a positive control: it exits). */
const EXIT_WITHIN_MS = 20_000;

describe('NdjsonFileExporter writing to a FIFO nobody reads', () => {
  it('holds a bounded amount while its writes stall, and lets the process exit once the app is closed', { timeout: 90_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'hud-fifo-'));
    const fifo = join(dir, 'records.fifo');
    const made = spawnSync('mkfifo', [fifo]);
    assert.equal(made.status, 0, `mkfifo: ${made.stderr}`);
    const child = spawn(process.execPath, ['--expose-gc', CHILD, fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => {
      const { value, done } = await lines.next();
      return done ? undefined : (JSON.parse(value) as Record<string, unknown>);
    };
    try {
      const measured = (await next()) as { failures: number; grownMb: number; ndjson: Record<string, number> } | undefined;
      assert.ok(measured, 'the child measured its memory');
      t.diagnostic(`after ${measured.failures} failures of ~70 KB: heap and buffers grew by ${measured.grownMb.toFixed(1)} MB; lane ${JSON.stringify(measured.ndjson)}`);
      assert.ok(measured.ndjson.timeouts > 0, 'the writes did stall (the lane timed out)');
      assert.ok(measured.grownMb < MAX_GROWTH_MB, `grew by ${measured.grownMb.toFixed(1)} MB while the file took nothing`);

      const closed = await next();
      assert.deepEqual(closed, { closed: true }, 'app.close() resolved');
      const closedAt = performance.now();
      const exit = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), EXIT_WITHIN_MS))]);
      assert.ok(exit !== undefined, `the process was still alive ${EXIT_WITHIN_MS} ms after close() resolved`);
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null });
      t.diagnostic(`exited ${(exit.at - closedAt).toFixed(0)} ms after close() resolved`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
