import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HudForensics, NdjsonFileExporter, type ForensicsRecord } from 'nestjs-hud';
import { startHudContextApp } from './support/hud-context-app.js';

// The NDJSON file outlives nothing it should not: after logrotate renames it, or someone
// deletes it or its folder, records go to the path again (the file recreated), and what
// could not be written at all is counted as failed, never as exported.

const dir = mkdtempSync(join(tmpdir(), 'hud-ndjson-reopen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function record(id: string): ForensicsRecord {
  return {
    id,
    trigger: 'error',
    detectedAt: '2026-11-25T14:20:11.532Z',
    durationMs: 1,
    invocation: { kind: 'job', name: 'rotate' },
    context: {},
  };
}

const idsIn = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => (JSON.parse(line) as ForensicsRecord).id);

describe('NdjsonFileExporter when its file is moved or deleted', () => {
  it('after a rename (logrotate), writes to a new file at the path; the renamed one keeps what it had', async () => {
    const path = join(dir, 'rotated', 'hud.ndjson');
    const exporter = new NdjsonFileExporter({ path });
    await exporter.export([record('before-1'), record('before-2')]);
    renameSync(path, `${path}.1`);
    await exporter.export([record('after-1')]);
    await exporter.export([record('after-2')]);
    await exporter.shutdown();
    assert.deepEqual(idsIn(`${path}.1`), ['before-1', 'before-2']);
    assert.deepEqual(idsIn(path), ['after-1', 'after-2']);
  });

  it('after its folder was deleted, recreates folder and file and writes there', async () => {
    const folder = join(dir, 'deleted');
    const path = join(folder, 'hud.ndjson');
    const exporter = new NdjsonFileExporter({ path });
    await exporter.export([record('first')]);
    rmSync(folder, { recursive: true, force: true });
    await exporter.export([record('second')]);
    await exporter.shutdown();
    assert.deepEqual(idsIn(path), ['second']);
  });

  it('counts records it could not write as failed in stats(), not as exported', async () => {
    const folder = join(dir, 'blocked');
    const path = join(folder, 'hud.ndjson');
    const app = await startHudContextApp({ exporters: [new NdjsonFileExporter({ path })], slowThresholdMs: false });
    try {
      const forensics = app.moduleRef.get(HudForensics);
      await app.fail('written', () => {
        throw new Error('one');
      });
      await forensics.flush();
      // the folder goes, and a file takes its name: the path cannot be created again
      rmSync(folder, { recursive: true, force: true });
      writeFileSync(folder, 'not a folder');
      for (let i = 0; i < 3; i++) {
        await app.fail('lost', () => {
          throw new Error('two');
        });
        await forensics.flush();
      }
      const ndjson = forensics.stats().exporters.find((lane) => lane.name === 'NdjsonFileExporter')!;
      assert.equal(ndjson.exported, 1, 'only the record that reached the file counts as exported');
      assert.equal(ndjson.failed, 3, 'the three that could not be written count as failed');
      assert.ok(ndjson.errors >= 1);
      assert.equal(existsSync(path), false);
    } finally {
      await app.close();
    }
  });
});
