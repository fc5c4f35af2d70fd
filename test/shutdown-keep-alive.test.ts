import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

// Nest's app.close() waits for the HTTP server to close, which on Express waits for a request
// still running and then for its keep-alive client to leave: longer than shutdownTimeoutMs.
// The exporters still get their share of the limit after that, so the NDJSON file gets the
// last records, synced and closed, instead of being given up on at once.

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'support', 'keep-alive-shutdown.child.js');
const SHUTDOWN_TIMEOUT_MS = 1500;
const FAILURES = 5;

describe('application shutdown on Express with a keep-alive client holding its connection', () => {
  it('the exporters get their share after the server closed: every record is in the NDJSON file, which is closed', { timeout: 90_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'hud-keep-alive-'));
    const path = join(dir, 'records.ndjson');
    const child = spawn(process.execPath, [CHILD, path, String(SHUTDOWN_TIMEOUT_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => {
      const { value, done } = await lines.next();
      return done ? undefined : (JSON.parse(value) as Record<string, unknown>);
    };
    // one keep-alive connection, kept open after its answer, as a browser or a pooled client does
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const { port } = (await next()) as { port: number };
      assert.ok(port, 'the app started');
      for (let n = 0; n < FAILURES; n++) {
        const response = await fetch(`http://127.0.0.1:${port}/fail/${n}`, { headers: { connection: 'close' } });
        assert.equal(response.status, 500);
        await response.arrayBuffer();
      }
      const slow = new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/slow', agent }, (response) => {
            let body = '';
            response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve(body));
          })
          .on('error', reject);
      });
      assert.deepEqual(await next(), { slowStarted: true });
      child.kill('SIGTERM');
      assert.equal(await slow, 'slow answer', 'the request running at close was answered');

      const closed = (await next()) as { closedInMs: number; ndjsonOpen: boolean; errors: string[] } | undefined;
      assert.ok(closed, 'app.close() resolved');
      t.diagnostic(`close() took ${closed.closedInMs.toFixed(0)} ms (shutdownTimeoutMs ${SHUTDOWN_TIMEOUT_MS}); errors: ${JSON.stringify(closed.errors)}`);
      assert.ok(closed.closedInMs > SHUTDOWN_TIMEOUT_MS, 'the server close outlasted shutdownTimeoutMs (the case under test)');
      assert.deepEqual(closed.errors, [], 'no exporter was given up on');
      assert.equal(closed.ndjsonOpen, false, 'the NDJSON file was closed (after being synced)');
      assert.deepEqual(await exited, { code: 0, signal: null }, 'the process then exited by itself');

      const records = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { trigger: string; context: { n: number } });
      assert.deepEqual(records.map((r) => r.context.n).sort((a, b) => a - b), [-1, ...Array.from({ length: FAILURES }, (_, n) => n)]);
      assert.equal(records.find((r) => r.context.n === -1)?.trigger, 'duration', "the slow request's own record, completed during the close, is there");
    } finally {
      agent.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
