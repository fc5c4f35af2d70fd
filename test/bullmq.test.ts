import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BullModule, getQueueToken, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { getContext, HudForensics, HudInvocation, HudModule, MemoryExporter, setContext, type ForensicsRecord } from 'nestjs-hud';
import { delay, randomInt, type RunningContext } from './support/app-context.js';
import { requireRedis, uniqueName } from './support/redis.js';

interface EmailJob {
  to: string;
  /** How many attempts fail before one succeeds (JSON: no Infinity, so 99 means all). */
  failAttempts?: number;
  delayMs?: number;
  /** Only some jobs set this key: a later job on the same worker must not see it. */
  vip?: boolean;
}

class SmtpRefused extends Error {
  override name = 'SmtpRefused';
}

const PREFIX = uniqueName('hud-test');
const EMAILS = uniqueName('emails');
const DIGESTS = uniqueName('digests');
const records = new MemoryExporter();

/** A processor with no nestjs-hud code at all: the binding makes `process` an invocation. */
@Processor(EMAILS, { concurrency: 50 })
class EmailProcessor extends WorkerHost {
  readonly seenAtStart: Record<string, unknown>[] = [];

  async process(job: Job<EmailJob>) {
    this.seenAtStart.push(getContext());
    setContext({ to: job.data.to });
    if (job.data.vip) setContext({ vip: true });
    await delay(job.data.delayMs ?? 0);
    if (job.attemptsMade < (job.data.failAttempts ?? 0)) throw new SmtpRefused(`smtp refused ${job.data.to}`);
    return 'sent';
  }
}

/** A processor whose `process` also carries @HudInvocation with a name of its own. */
@Processor(DIGESTS)
class DigestProcessor extends WorkerHost {
  @HudInvocation('mailer.digest')
  async process(job: Job<{ week: number }>) {
    setContext({ week: job.data.week });
    throw new SmtpRefused('digest refused');
  }
}

/** The worker app, on the Redis server the test run started. */
function workerAppModule(connection: { host: string; port: number }) {
  @Module({
    imports: [
      // BullModule first: its workers bind `process` at its onModuleInit, which then runs
      // before HudModule's; the binding must have wrapped it already
      BullModule.forRoot({ connection, prefix: PREFIX }),
      BullModule.registerQueue({ name: EMAILS }, { name: DIGESTS }),
      HudModule.forRoot({ exporters: [records], rateLimit: false, slowThresholdMs: 10_000 }),
    ],
    providers: [EmailProcessor, DigestProcessor],
  })
  class WorkerAppModule {}
  return WorkerAppModule;
}

/** Waits until the job reached one of `states` (bounded). */
async function waitForState(queue: Queue, id: string, states: string[], timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await (await queue.getJob(id))?.getState();
    if (state !== undefined && states.includes(state)) return state;
    if (Date.now() > deadline) throw new Error(`job ${id} still "${state}" after ${timeoutMs} ms`);
    await delay(20);
  }
}

describe('BullMQ processors (real Redis)', () => {
  let running: RunningContext;
  let emails: Queue;
  let digests: Queue;
  const settle = () => running.app.get(HudForensics).flush();
  const forJob = (id: string | undefined): ForensicsRecord[] => records.records.filter((r) => r.invocation.job?.jobId === id);

  before(async () => {
    const connection = await requireRedis();
    // a worker as it usually runs: a standalone application context, no HTTP server
    const app = await NestFactory.createApplicationContext(workerAppModule(connection), { logger: false });
    running = { app, close: () => app.close() };
    emails = running.app.get<Queue>(getQueueToken(EMAILS));
    digests = running.app.get<Queue>(getQueueToken(DIGESTS));
  });
  after(async () => {
    await emails?.obliterate({ force: true }).catch(() => undefined);
    await digests?.obliterate({ force: true }).catch(() => undefined);
    await running?.close();
  });

  it('records a failing job as an invocation named queue:jobName, with queue, jobId and attempt, once per attempt', async () => {
    records.clear();
    const job = await emails.add('send-welcome', { to: 'ada@example.com', failAttempts: 99 }, { attempts: 3 });
    await waitForState(emails, job.id!, ['failed']);
    await settle();
    const attempts = forJob(job.id);
    assert.equal(attempts.length, 3, 'one record per failing attempt');
    assert.deepEqual(
      attempts.map((r) => r.invocation.job?.attempt),
      [1, 2, 3],
    );
    for (const record of attempts) {
      assert.equal(record.invocation.kind, 'job');
      assert.equal(record.invocation.name, `${EMAILS}:send-welcome`);
      assert.equal(record.invocation.job?.queue, EMAILS);
      assert.equal(record.trigger, 'error');
      assert.deepEqual(record.context, { to: 'ada@example.com' });
      assert.equal(record.error?.name, 'SmtpRefused');
    }
  });

  it('records only the failing attempts of a job that succeeds on retry, and nothing for a job that succeeds', async () => {
    records.clear();
    const retried = await emails.add('send-receipt', { to: 'bob@example.com', failAttempts: 1 }, { attempts: 2 });
    const fine = await emails.add('send-receipt', { to: 'cy@example.com' });
    await waitForState(emails, retried.id!, ['completed']);
    await waitForState(emails, fine.id!, ['completed']);
    await settle();
    assert.deepEqual(
      forJob(retried.id).map((r) => r.invocation.job?.attempt),
      [1],
    );
    assert.deepEqual(forJob(fine.id), []);
    assert.equal(records.records.length, 1);
  });

  it('keeps the name of @HudInvocation on process, and still records the job details', async () => {
    records.clear();
    const job = await digests.add('weekly', { week: 7 });
    await waitForState(digests, job.id!, ['failed']);
    const record = await records.waitFor((r) => r.invocation.name === 'mailer.digest');
    assert.equal(record.invocation.kind, 'job');
    assert.deepEqual(record.invocation.job, { queue: DIGESTS, jobId: job.id, attempt: 1 });
    assert.deepEqual(record.context, { week: 7 });
    await settle();
    assert.equal(records.records.length, 1, 'wrapped once');
  });

  it('isolates 100 concurrent jobs with random delays; nothing leaks from a job into the next on the same worker', async () => {
    records.clear();
    const processor = running.app.get(EmailProcessor);
    processor.seenAtStart.length = 0;
    const jobs = await emails.addBulk(
      Array.from({ length: 100 }, (_, i) => ({
        name: 'send-batch',
        data: { to: `user-${i}@example.com`, failAttempts: i % 2 === 0 ? 99 : 0, delayMs: randomInt(0, 30), vip: i % 3 === 0 },
      })),
    );
    await Promise.all(jobs.map((job) => waitForState(emails, job.id!, ['completed', 'failed'], 20_000)));
    await settle();
    const failed = records.records.filter((r) => r.invocation.name === `${EMAILS}:send-batch`);
    assert.equal(failed.length, 50);
    for (const record of failed) {
      const job = jobs.find((j) => j.id === record.invocation.job?.jobId);
      assert.ok(job, 'the record names a job of the batch');
      const expected: Record<string, unknown> = { to: job.data.to };
      if (job.data.vip) expected.vip = true;
      assert.deepEqual(record.context, expected, 'its own job’s context, nothing from another');
      assert.equal(record.error?.message, `smtp refused ${job.data.to}`);
    }
    assert.equal(processor.seenAtStart.length, 100);
    assert.ok(
      processor.seenAtStart.every((seen) => Object.keys(seen).length === 0),
      'every job started with an empty context',
    );
  });
});
