import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'support', 'shutdown-app.child.js');
const SHUTDOWN_TIMEOUT_MS = 1500;
const FAILURES = 25;

describe('application shutdown with a hanging exporter', () => {
  it(`close() resolves within shutdownTimeoutMs, the process stays alive until then, and the NDJSON file has all ${FAILURES} records`, { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hud-shutdown-child-'));
    const path = join(dir, 'records.ndjson');
    const child = spawn(process.execPath, [CHILD, path, String(SHUTDOWN_TIMEOUT_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
    );
    const messages: Array<Record<string, number>> = [];
    const nextMessage = (() => {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      return async () => {
        const { value, done } = await lines.next();
        if (done) return undefined;
        const message = JSON.parse(value) as Record<string, number>;
        messages.push(message);
        return message;
      };
    })();
    try {
      const listening = await nextMessage();
      assert.ok(listening?.port, 'the app started');
      for (let n = 0; n < FAILURES; n++) {
        const response = await fetch(`http://127.0.0.1:${listening.port}/fail/${n}`, { headers: { connection: 'close' } });
        assert.equal(response.status, 500);
        await response.arrayBuffer();
      }
      const signalledAt = performance.now();
      child.kill('SIGTERM');
      const closed = await nextMessage();
      const exit = await exited;

      assert.ok(closed !== undefined, `the process exited before app.close() resolved (exit ${JSON.stringify(exit)}, messages ${JSON.stringify(messages)})`);
      assert.ok(closed.closedInMs <= SHUTDOWN_TIMEOUT_MS + 250, `close() took ${closed.closedInMs.toFixed(0)} ms (shutdownTimeoutMs ${SHUTDOWN_TIMEOUT_MS})`);
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, 'it then exited by itself');
      // nothing of the hanging exporter (its 60 s time-out included) kept the process alive
      assert.ok(exit.at - signalledAt < SHUTDOWN_TIMEOUT_MS + 5000, `exited ${(exit.at - signalledAt).toFixed(0)} ms after SIGTERM`);

      const lines = readFileSync(path, 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'the file ends with a complete line');
      const ns = lines.map((line) => JSON.parse(line).context.n as number).sort((a, b) => a - b);
      assert.deepEqual(ns, Array.from({ length: FAILURES }, (_, n) => n), 'every record reached the working exporter');
      console.log(`close() with a hanging exporter: ${closed.closedInMs.toFixed(0)} ms (shutdownTimeoutMs ${SHUTDOWN_TIMEOUT_MS})`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
