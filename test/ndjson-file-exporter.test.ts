import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { NdjsonFileExporter, type ForensicsRecord } from 'nestjs-hud';

const dir = mkdtempSync(join(tmpdir(), 'hud-ndjson-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'support', 'ndjson-writer.child.js');

function record(id: string, context: ForensicsRecord['context'] = {}): ForensicsRecord {
  return {
    id,
    trigger: 'error',
    detectedAt: '2026-11-25T14:20:11.532Z',
    durationMs: 3.2,
    invocation: { kind: 'http', name: 'POST /orders' },
    error: { name: 'Error', message: 'payment gateway timeout\nretry later' },
    context,
  };
}

/** The file's lines; asserts it ends with a newline (no unterminated tail) and every line parses. */
function parsedLines(path: string): ForensicsRecord[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a complete line');
  return lines.map((line, i) => {
    try {
      return JSON.parse(line);
    } catch {
      assert.fail(`line ${i + 1} does not parse: ${line.slice(0, 120)}`);
    }
  });
}

describe('NdjsonFileExporter', () => {
  it('appends one JSON line per record, creating the folder, and keeps what the file held', async () => {
    const path = join(dir, 'nested', 'folder', 'records.ndjson');
    const first = new NdjsonFileExporter({ path });
    await first.export([record('a', { client_id: 'acme', user_tier: 'pro' }), record('b')]);
    await first.shutdown();
    const second = new NdjsonFileExporter({ path });
    await second.export([record('c', { flags: ['x', 'y'], n: 1 })]);
    await second.shutdown();
    const records = parsedLines(path);
    assert.deepEqual(records.map((r) => r.id), ['a', 'b', 'c']);
    assert.deepEqual(records[0].context, { client_id: 'acme', user_tier: 'pro' });
    assert.equal(records[0].error?.message, 'payment gateway timeout\nretry later', 'a newline in a value stays inside its line');
  });

  it('shutdown() resolves once every batch handed to it is on disk, in order', async () => {
    const path = join(dir, 'shutdown.ndjson');
    const exporter = new NdjsonFileExporter({ path });
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) pending.push(exporter.export([record(`r${i}-0`), record(`r${i}-1`)]));
    await exporter.shutdown(); // not awaiting the exports themselves
    const ids = parsedLines(path).map((r) => r.id);
    assert.equal(ids.length, 100);
    assert.deepEqual(ids.slice(0, 4), ['r0-0', 'r0-1', 'r1-0', 'r1-1']);
    await Promise.all(pending);
  });

  it('leaves out a record that cannot be serialised, writes the others, and rejects so the failure is counted', async () => {
    const path = join(dir, 'unserialisable.ndjson');
    const exporter = new NdjsonFileExporter({ path });
    const bad = record('bad', { n: 1 });
    (bad.context as Record<string, unknown>).big = 10n; // what a careless beforeRecord could do
    await assert.rejects(exporter.export([record('good-1'), bad, record('good-2')]), /1 record\(s\) could not be serialised/);
    await exporter.shutdown();
    assert.deepEqual(parsedLines(path).map((r) => r.id), ['good-1', 'good-2']);
  });

  it('cuts off a torn last line left by a killed writer, and never deletes text that is not one of its records', async () => {
    const torn = join(dir, 'torn.ndjson');
    writeFileSync(torn, `${JSON.stringify(record('complete'))}\n{"id":"half-writ`);
    const exporter = new NdjsonFileExporter({ path: torn });
    await exporter.export([record('next')]);
    await exporter.shutdown();
    assert.deepEqual(parsedLines(torn).map((r) => r.id), ['complete', 'next']);

    const foreign = join(dir, 'foreign.ndjson');
    writeFileSync(foreign, 'a note someone left');
    const other = new NdjsonFileExporter({ path: foreign });
    await other.export([record('mine')]);
    await other.shutdown();
    assert.equal(readFileSync(foreign, 'utf8'), `a note someone left\n${JSON.stringify(record('mine'))}\n`);
  });

  it('rejects a missing path at construction', () => {
    assert.throws(() => new NdjsonFileExporter({} as { path: string }), /options\.path must be a non-empty string/);
  });

  it('a process killed with SIGKILL while writing under load never leaves a corrupt line', async () => {
    const path = join(dir, 'killed.ndjson');
    const KILLS = 3;
    for (let kill = 0; kill < KILLS; kill++) {
      const child = spawn(process.execPath, [CHILD, path, 'load'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`writer exited early with code ${code}`)));
      });
      // let it write for a while (bounded), then kill it wherever it is
      const deadline = Date.now() + 5000;
      const grownTo = statSync(path).size + 1_000_000;
      while (statSync(path).size < grownTo && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 40)));
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');

      // Every complete line parses. (A kill inside a write call can leave an unterminated
      // tail; the next writer to open the file cuts it off, which the last step checks.)
      const text = readFileSync(path, 'utf8');
      const complete = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
      complete.pop();
      assert.ok(complete.length > 0);
      for (const line of complete) assert.doesNotThrow(() => JSON.parse(line), `corrupt line: ${line.slice(0, 120)}`);
    }
    // a writer that starts after the kills appends cleanly: the whole file parses, line by line
    const last = spawn(process.execPath, [CHILD, path, 'once'], { stdio: 'inherit' });
    assert.equal(await new Promise((resolve) => last.once('exit', resolve)), 0);
    const records = parsedLines(path);
    assert.ok(records.length > KILLS * 100, `${records.length} records`);
    assert.equal(records.at(-1)?.service, 'kill-test');
    assert.ok(existsSync(path));
  });
});
