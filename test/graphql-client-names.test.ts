import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HudForensics, MemoryExporter } from 'nestjs-hud';
import { queries, query, startFailingGraphqlApp } from './support/graphql-app.js';
import type { RunningApp } from './support/http-app.js';

describe('GraphQL operation names chosen by clients', () => {
  const memory = new MemoryExporter();
  let running: RunningApp;
  before(async () => {
    running = await startFailingGraphqlApp({ exporters: [memory], rateLimit: { perSecond: 1, burst: 5 } });
  });
  after(() => running.close());

  it('cuts an operation name to 100 characters', async () => {
    const name = `Long${'x'.repeat(500)}`;
    await query(running, name);
    const record = await memory.waitFor((r) => r.invocation.kind === 'graphql');
    assert.equal(record.invocation.name, `query ${name.slice(0, 100)}`);
  });

  it('limits 2,000 failing queries with a new name each like one name, and a known name keeps its own pace', async () => {
    await query(running, 'Known');
    await running.app.get(HudForensics).flush();
    memory.clear();
    const forensics = running.app.get(HudForensics);
    const before = forensics.stats();
    const started = performance.now();
    await queries(running, 2000, 25, (i) => `Flood${i}`);
    const elapsedSeconds = (performance.now() - started) / 1000;
    await query(running, 'Known');
    await forensics.flush();

    const flood = memory.records.filter((r) => r.invocation.name.startsWith('query Flood')).length;
    // the shared bucket: its burst of 5, and one token per second that passed
    assert.ok(flood <= 5 + Math.ceil(elapsedSeconds), `${flood} flood records in ${elapsedSeconds.toFixed(1)} s`);
    const stats = forensics.stats();
    assert.equal(stats.droppedByRateLimit - before.droppedByRateLimit, 2000 - flood, 'the others are counted, not built');
    assert.equal(memory.records.filter((r) => r.invocation.name === 'query Known').length, 1, 'a name known before the flood is still recorded');
  });
});

