// BullMQ @OnWorkerEvent listeners run with the context of the job they are about: BullMQ
// emits `completed` and `failed` after the job's own invocation ended (it first moves the
// job in Redis), from its own callbacks, where no invocation is active.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BullModule, getQueueToken, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { getContext, hudLogFields, HudForensics, HudModule, MemoryExporter, setContext, setFailure, type HudContextValue } from 'nestjs-hud';
import { delay, randomInt, type RunningContext } from './support/app-context.js';
import { requireRedis, uniqueName } from './support/redis.js';

interface ImportJob {
  tenant: string;
  fail?: boolean;
  /** The `failed` listener itself fails for this job. */
  failListener?: boolean;
  delayMs?: number;
}

class ImportFailed extends Error {
  override name = 'ImportFailed';
}

const PREFIX = uniqueName('hud-test');
const IMPORTS = uniqueName('imports');
const records = new MemoryExporter();

interface Seen {
  event: string;
  jobId: string | undefined;
  context: Record<string, HudContextValue>;
  logFields: Record<string, unknown>;
}

/** No nestjs-hud code at all: the binding wraps `process` and the listeners. */
@Processor(IMPORTS, { concurrency: 20 })
class ImportProcessor extends WorkerHost {
  readonly seen: Seen[] = [];

  async process(job: Job<ImportJob>) {
    setContext({ tenant: job.data.tenant, job_kind: 'import' });
    await job.updateProgress(50);
    await delay(job.data.delayMs ?? 0);
    if (job.data.fail) throw new ImportFailed(`import failed for ${job.data.tenant}`);
    return 'imported';
  }

  @OnWorkerEvent('progress')
  onProgress(job: Job<ImportJob>) {
    this.seen.push({ event: 'progress', jobId: job.id, context: getContext(), logFields: hudLogFields() });
    setContext({ progress_seen: true }); // inside the job: lands in the job's own record
  }

  @OnWorkerEvent('completed')
  onCompleted(job: Job<ImportJob>) {
    this.seen.push({ event: 'completed', jobId: job.id, context: getContext(), logFields: hudLogFields() });
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job<ImportJob>) {
    this.seen.push({ event: 'failed', jobId: job.id, context: getContext(), logFields: hudLogFields() });
    await delay(1);
    // (a listener that throws would be an unhandled rejection: BullMQ ignores what listeners return)
    if (job.data.failListener) setFailure(`could not page about ${job.data.tenant}`, { alert: 'pager' });
  }
}

function workerAppModule(connection: { host: string; port: number }) {
  @Module({
    imports: [
      BullModule.forRoot({ connection, prefix: PREFIX }),
      BullModule.registerQueue({ name: IMPORTS }),
      HudModule.forRoot({ exporters: [records], rateLimit: false, slowThresholdMs: 10_000 }),
    ],
    providers: [ImportProcessor],
  })
  class WorkerAppModule {}
  return WorkerAppModule;
}

describe('BullMQ @OnWorkerEvent listeners see the job’s context (real Redis)', () => {
  let running: RunningContext;
  let imports: Queue;
  const settle = () => running.app.get(HudForensics).flush();
  const seenFor = (event: string, jobId: string | undefined) =>
    running.app.get(ImportProcessor).seen.filter((s) => s.event === event && s.jobId === jobId);

  /** Waits (bounded) until the listener saw `event` for each of `ids`. */
  async function waitForSeen(event: string, ids: (string | undefined)[], timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ids.every((id) => seenFor(event, id).length > 0)) {
      if (Date.now() > deadline) throw new Error(`no ${event} listener call for some of ${ids.join(', ')}`);
      await delay(20);
    }
  }

  before(async () => {
    const app = await NestFactory.createApplicationContext(workerAppModule(await requireRedis()), { logger: false });
    running = { app, close: () => app.close() };
    imports = running.app.get<Queue>(getQueueToken(IMPORTS));
  });
  after(async () => {
    await imports?.obliterate({ force: true }).catch(() => undefined);
    await running?.close();
  });

  it('completed and failed listeners see the job’s context in getContext() and hudLogFields()', async () => {
    const ok = await imports.add('csv', { tenant: 'acme' });
    const bad = await imports.add('csv', { tenant: 'globex', fail: true });
    await waitForSeen('completed', [ok.id]);
    await waitForSeen('failed', [bad.id]);
    const expectedOk = { tenant: 'acme', job_kind: 'import', progress_seen: true };
    assert.deepEqual(seenFor('completed', ok.id)[0]!.context, expectedOk);
    assert.deepEqual(seenFor('completed', ok.id)[0]!.logFields, expectedOk);
    const expectedBad = { tenant: 'globex', job_kind: 'import', progress_seen: true };
    assert.deepEqual(seenFor('failed', bad.id)[0]!.context, expectedBad);
    assert.deepEqual(seenFor('failed', bad.id)[0]!.logFields, expectedBad);
    // progress is emitted inside the job: the listener joins it, and what it sets is the job's
    assert.deepEqual(seenFor('progress', bad.id)[0]!.context, { tenant: 'globex', job_kind: 'import' });

    await settle();
    const jobRecords = records.records.filter((r) => r.invocation.job?.jobId === bad.id);
    assert.deepEqual(
      jobRecords.map((r) => [r.invocation.name, r.context]),
      [[`${IMPORTS}:csv`, expectedBad]],
      'the job’s one record holds what the progress listener set; a listener that succeeds adds none',
    );
  });

  it('a failed listener that fails gives one record of its own, named ClassName.method, with the job’s context and details', async () => {
    records.clear();
    const job = await imports.add('xml', { tenant: 'initech', fail: true, failListener: true });
    const listenerRecord = await records.waitFor((r) => r.invocation.name === 'ImportProcessor.onFailed', 20_000);
    assert.equal(listenerRecord.invocation.kind, 'job');
    assert.deepEqual(listenerRecord.invocation.job, { queue: IMPORTS, jobId: job.id, attempt: 1 });
    assert.deepEqual(listenerRecord.context, { tenant: 'initech', job_kind: 'import', progress_seen: true, alert: 'pager' });
    assert.deepEqual(listenerRecord.failure, { reason: 'could not page about initech' });
    await settle();
    const jobRecord = records.records.filter((r) => r.invocation.name === `${IMPORTS}:xml`);
    assert.equal(jobRecord.length, 1);
    assert.deepEqual(jobRecord[0]!.context, { tenant: 'initech', job_kind: 'import', progress_seen: true }, 'the listener changed nothing of the job’s record');
    assert.equal(records.records.length, 2);
  });

  it('50 concurrent jobs with random delays: each listener call sees its own job’s context, never another’s', async () => {
    const jobs = await imports.addBulk(
      Array.from({ length: 50 }, (_, i) => ({
        name: 'batch',
        data: { tenant: `tenant-${i}`, fail: i % 2 === 0, delayMs: randomInt(0, 20) },
      })),
    );
    await waitForSeen('failed', jobs.filter((_, i) => i % 2 === 0).map((j) => j.id));
    await waitForSeen('completed', jobs.filter((_, i) => i % 2 === 1).map((j) => j.id));
    for (const [i, job] of jobs.entries()) {
      const [seen] = seenFor(i % 2 === 0 ? 'failed' : 'completed', job.id);
      assert.equal(seen!.context.tenant, `tenant-${i}`);
    }
  });
});
