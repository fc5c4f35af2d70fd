import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

/** A port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(command: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, command, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the sample (npm start) and npm run demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-hud-sample-'));
  const recordsFile = join(dir, 'records.ndjson');
  let sample: ChildProcess;
  let env: NodeJS.ProcessEnv;
  let sampleOutput = '';

  before(async () => {
    env = { PORT: String(await freePort()), TCP_PORT: String(await freePort()), HUD_RECORDS_FILE: recordsFile, REDIS_URL: '' };
    sample = spawn(process.execPath, ['.build/sample/src/main.js'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sample did not start within 30 s:\n${sampleOutput}`)), 30_000);
      const onData = (chunk: Buffer) => {
        sampleOutput += chunk;
        if (sampleOutput.includes('npm run demo')) {
          clearTimeout(timer);
          resolve();
        }
      };
      sample.stdout!.on('data', onData);
      sample.stderr!.on('data', onData);
      sample.once('exit', (code) => reject(new Error(`the sample exited (${code}):\n${sampleOutput}`)));
    });
  });

  after(async () => {
    if (sample.exitCode === null) {
      const exited = new Promise((resolve) => sample.once('exit', resolve));
      sample.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (sample.exitCode === null) sample.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints at start a curl line that triggers a record', () => {
    assert.match(sampleOutput, /curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/orders/);
  });

  it('demo records each trigger kind, for HTTP, RPC and job invocations, each with its client', async () => {
    const { code, output } = await run(['.build/sample/src/demo.js'], env, 60_000);
    assert.equal(code, 0, output);
    const records = readFileSync(recordsFile, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map(
        (line) =>
          JSON.parse(line) as {
            trigger: string;
            invocation: { kind: string; name: string };
            context: Record<string, unknown>;
            breadcrumbs?: { level: string; message: string }[];
          },
      );
    const seen = new Set(records.map((r) => `${r.trigger} ${r.invocation.kind}`));
    for (const expected of ['error http', 'status http', 'duration http', 'failure http', 'error rpc', 'error job']) {
      assert.ok(seen.has(expected), `no "${expected}" record; saw ${[...seen].join(', ')}`);
    }
    // what the failing checkout did before it threw: its breadcrumb, then its Logger line
    const checkout = records.find((r) => r.invocation.name === 'POST /orders');
    assert.deepEqual(
      checkout?.breadcrumbs?.slice(0, 2).map((b) => [b.level, b.message]),
      [
        ['info', 'cart priced'],
        ['warn', 'payment gateway slow to answer, retrying once'],
      ],
    );
    // propagation: the TCP message handler's record names the client of the request that sent it
    const rpc = records.filter((r) => r.invocation.kind === 'rpc');
    assert.deepEqual(new Set(rpc.map((r) => r.context.client_id)), new Set(['acme', 'globex', 'initech']));
    // the summary table the demo prints
    assert.match(output, /records written to/);
    assert.match(output, /POST \/orders/);
    // and the suspects after it: one client's invoices fail far more often than the others'
    // (its currency, CHF, has the same counts: one entry); the calls before initech's first
    // invoice are not in its span, so the shares depend on the order the burst arrived in
    assert.match(
      output,
      /Suspects[^\n]*\n\n  GET \/orders\/:id\/invoice: client_id = initech \(same as currency = CHF\): 14 of \d+ failures \(\d+ %\), \d+ % of calls, [\d.]+× the average, relative risk [\d.]+ \(p /,
    );
    assert.doesNotMatch(output, /client_id = (acme|globex)/);
  });
});
