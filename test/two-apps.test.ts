import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { HudForensics, HudInvocation, HudModule, MemoryExporter, setContext } from 'nestjs-hud';
import { startAppContext, type RunningContext } from './support/app-context.js';

// Several apps in one process (a test suite, a worker beside an API): a class's methods are
// shared by every app, its instances are not. Each instance's invocations belong to the app
// that created it, and closing one app never silences another.

@Injectable()
class NightlyReport {
  @HudInvocation('report.nightly')
  async run(app: string) {
    setContext({ app });
    throw new Error(`report failed in ${app}`);
  }
}

/** The same kind of work, on an object no app created (`new` in user code). */
class AdHocJob {
  @HudInvocation('job.adhoc')
  run(app: string) {
    setContext({ app });
    throw new Error(`ad hoc job failed for ${app}`);
  }
}

interface App {
  exporter: MemoryExporter;
  report: NightlyReport;
  flush(): Promise<void>;
  /** Closes the app once; later calls do nothing. */
  close(): Promise<void>;
}

async function startApp(): Promise<App> {
  const exporter = new MemoryExporter();
  const running: RunningContext = await startAppContext({
    imports: [HudModule.forRoot({ exporters: [exporter], rateLimit: false, slowThresholdMs: false })],
    providers: [NightlyReport],
  });
  const forensics = running.app.get(HudForensics);
  let closing: Promise<void> | undefined;
  return {
    exporter,
    report: running.app.get(NightlyReport),
    flush: () => forensics.flush(),
    close: () => (closing ??= running.close()),
  };
}

const appsOf = (exporter: MemoryExporter, name: string) => exporter.records.filter((r) => r.invocation.name === name).map((r) => r.context.app);

describe('@HudInvocation with two apps in one process', () => {
  it("records each app's invocations in that app, whichever started last, and the other keeps recording once one closes", async () => {
    const api = await startApp();
    const worker = await startApp();
    try {
      assert.notEqual(api.report, worker.report, 'each app has its own instance');
      await assert.rejects(api.report.run('api'), /report failed in api/);
      await assert.rejects(worker.report.run('worker'), /report failed in worker/);
      await api.flush();
      await worker.flush();
      assert.deepEqual(appsOf(api.exporter, 'report.nightly'), ['api'], 'the first app records its own failure');
      assert.deepEqual(appsOf(worker.exporter, 'report.nightly'), ['worker'], 'and only the second app records the second');

      await worker.close();
      await assert.rejects(api.report.run('api-after'), /report failed/);
      await api.flush();
      assert.deepEqual(appsOf(api.exporter, 'report.nightly'), ['api', 'api-after'], 'closing the other app did not silence this one');
    } finally {
      await api.close();
      await worker.close();
    }
  });

  it('an object no app created belongs to the most recently started app still running', async () => {
    const api = await startApp();
    const worker = await startApp();
    const job = new AdHocJob();
    try {
      assert.throws(() => job.run('while both run'), /ad hoc job failed/);
      await worker.flush();
      assert.deepEqual(appsOf(worker.exporter, 'job.adhoc'), ['while both run']);

      await worker.close();
      assert.throws(() => job.run('after the worker closed'), /ad hoc job failed/);
      await api.flush();
      assert.deepEqual(appsOf(api.exporter, 'job.adhoc'), ['after the worker closed'], 'recorded by the app still running');
    } finally {
      await api.close();
      await worker.close();
    }
  });
});
