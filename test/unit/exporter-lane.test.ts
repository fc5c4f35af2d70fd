import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '@nestjs/common';
import type { ForensicsRecord, HudExporter } from 'nestjs-hud';
import { ExporterLane } from '../../lib/forensics/exporter.lane.js';
import { HudNotes } from '../../lib/hud.notes.js';

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}` }) as unknown as ForensicsRecord);

function lane(exporter: HudExporter, errors: string[] = []) {
  const logger = { error: (message: string) => errors.push(message), warn() {}, debug() {} } as unknown as Logger;
  return new ExporterLane(exporter, 100, 1_000, new HudNotes(logger));
}

describe('one exporter lane', () => {
  it('hands records to a synchronous exporter at once and counts them, with nothing left pending', () => {
    const batches: number[] = [];
    const target = lane({ export: (batch) => void batches.push(batch.length) });
    target.offer(records(3));
    target.offer(records(2));
    assert.deepEqual(batches, [3, 2], 'each offer exported before offer returned');
    assert.deepEqual(target.stats(), { name: 'Object', exported: 5, failed: 0, errors: 0, timeouts: 0, dropped: 0, queued: 0 });
  });

  it('waits for an exporter that returns a promise, one call at a time, and batches what arrived meanwhile', async () => {
    const calls: number[] = [];
    let release: () => void = () => undefined;
    const target = lane({
      export: (batch) => {
        calls.push(batch.length);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    target.offer(records(1));
    target.offer(records(2));
    target.offer(records(3));
    assert.deepEqual(calls, [1], 'no second call while the first is in flight');
    assert.equal(target.stats().queued, 6);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, [1, 5], 'what waited went out in one call');
    release();
    await target.flush();
    assert.equal(target.stats().exported, 6);
    assert.equal(target.stats().queued, 0);
  });

  it('counts a throw and a thenable whose `then` throws as failed calls, reports once, and goes on', async () => {
    const errors: string[] = [];
    let call = 0;
    const target = lane(
      {
        export: () => {
          call++;
          if (call === 1) throw new Error('exploded');
          if (call === 2) return { get then() { throw new Error('bad then'); } } as unknown as Promise<void>;
        },
      },
      errors,
    );
    target.offer(records(1));
    target.offer(records(1));
    target.offer(records(1));
    await target.flush();
    assert.deepEqual(target.stats(), { name: 'Object', exported: 1, failed: 2, errors: 2, timeouts: 0, dropped: 0, queued: 0 });
    assert.equal(errors.length, 1, 'reported once');
    assert.match(errors[0]!, /exploded/);
  });
});
