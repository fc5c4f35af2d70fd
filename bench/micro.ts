/**
 * `npm run bench:micro`: ns/op of the context API beside the raw AsyncLocalStorage floor,
 * medians of 5 timed runs (after one untimed warm-up run; runs of all cases interleaved),
 * through the public API only. The ratio to the floor is the median of per-round ratios.
 * BENCH_NODE=/path/to/node runs it on another Node. `npm run bench` runs it too and keeps
 * its figures in the results file.
 */
import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFileSync, spawnSync } from 'node:child_process';
import { realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { getContext, HudContextService, HudForensics, HudModule, HudOpenFeatureHook, MemoryExporter, setContext } from 'nestjs-hud';
import { median } from './summary.js';
// The counters themselves (not public API): the one case that times counting alone.
import { HudSuspectsOptions } from '../lib/options/hud-suspects.options.js';
import { SuspectCounters } from '../lib/analysis/suspects/suspect.counters.js';
import { OUTCOME_FAILING, OUTCOME_OK } from '../lib/analysis/suspects/value.table.js';
import { installLoggerBreadcrumbs, LOGGER_INSTALLS, uninstallLoggerBreadcrumbs } from '../lib/logging/nest-logger.patch.js';

/**
 * Runs `fn` with Nest's `Logger` as an app with `breadcrumbs: false` has it: not wrapped. The
 * other apps of this process (breadcrumbs on) installed the wrapper; it is taken off for the
 * batch and put back after, so the "off" case does not pay for a wrapper it would not have.
 */
function withoutLoggerWrapper(fn: () => void): void {
  const logger = Logger as unknown as Record<symbol, number | undefined>;
  let removed = 0;
  while ((logger[LOGGER_INSTALLS] ?? 0) > 0) {
    uninstallLoggerBreadcrumbs();
    removed++;
  }
  try {
    fn();
  } finally {
    for (let i = 0; i < removed; i++) installLoggerBreadcrumbs();
  }
}

export interface MicroResult {
  name: string;
  /** What it is compared with, when it has a floor. */
  floor?: string;
  /** Median over the runs of wall time (process.hrtime.bigint) per operation. */
  nsPerOp: number;
  /**
   * Median over the runs of the process's CPU time (process.cpuUsage) per operation: on a
   * shared machine, wall time also counts the time other processes held the core.
   */
  cpuNsPerOp: number;
  /** Median over the runs of (this case / its floor) measured in the same round (wall time). */
  ratioToFloor?: number;
  runs: number[];
  cpuRuns: number[];
  iterations: number;
}

interface MicroCase {
  name: string;
  floor?: string;
  iterations: number;
  batch: (iterations: number) => void | Promise<void>;
}

/** Timed runs per case (BENCH_MICRO_RUNS, default 5). */
const RUNS = Math.max(1, Number(process.env.BENCH_MICRO_RUNS ?? 5) || 5);
let sink = 0;
const tenth = (ns: number) => Math.round(ns * 10) / 10;

/**
 * Runs every case once untimed (warm-up), then RUNS rounds in which every case runs once,
 * in turn: a burst of load from other processes then hits the cases of a round alike, and
 * the ratio of a case to its floor is taken within each round.
 */
async function timeAll(cases: readonly MicroCase[]): Promise<MicroResult[]> {
  // Every batch runs in a promise continuation, as request handling does: on Node 20,
  // AsyncLocalStorage.run costs several times more there than at the top level of a script.
  await Promise.resolve();
  for (const c of cases) await c.batch(c.iterations);
  const wall = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const c of cases) {
      const cpuStart = process.cpuUsage();
      const start = process.hrtime.bigint();
      await c.batch(c.iterations);
      wall.get(c.name)!.push(Number(process.hrtime.bigint() - start) / c.iterations);
      const used = process.cpuUsage(cpuStart);
      cpu.get(c.name)!.push(((used.user + used.system) * 1000) / c.iterations);
    }
  }
  return cases.map((c) => {
    const runs = wall.get(c.name)!;
    const floorRuns = c.floor === undefined ? undefined : wall.get(c.floor);
    return {
      name: c.name,
      floor: c.floor,
      nsPerOp: tenth(median(runs)),
      cpuNsPerOp: tenth(median(cpu.get(c.name)!)),
      ratioToFloor: floorRuns === undefined ? undefined : Math.round(median(runs.map((ns, i) => ns / floorRuns[i])) * 100) / 100,
      runs: runs.map(tenth),
      cpuRuns: cpu.get(c.name)!.map(tenth),
      iterations: c.iterations,
    };
  });
}

export async function runMicro(): Promise<MicroResult[]> {
  const memory = new MemoryExporter();
  const app = await NestFactory.createApplicationContext(
    HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: false, maxQueueSize: 10_000 }),
    { logger: false },
  );
  const hud = app.get(HudContextService);
  const forensics = app.get(HudForensics);
  const floor = new AsyncLocalStorage<Record<string, unknown>>();
  const values = { client_id: 'acme', request_id: 'req-1234', user_tier: 'pro' };
  const N = 200_000;
  const RUN_FLOOR = 'floor: AsyncLocalStorage.run + 3 sets';
  const SET_FLOOR = 'floor: getStore + 3 sets (inside a run)';
  const COPY_FLOOR = 'floor: copy of the store (3 keys)';
  const failure = new Error('micro failure');
  const BATCH = 1_000;
  const noSuspects = await NestFactory.createApplicationContext(
    HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: false, suspects: false }),
    { logger: false },
  );
  const hudNoSuspects = noSuspects.get(HudContextService);
  const noBaseline = await NestFactory.createApplicationContext(
    HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: false, slowBaseline: false }),
    { logger: false },
  );
  const hudNoBaseline = noBaseline.get(HudContextService);
  const noBreadcrumbs = await NestFactory.createApplicationContext(
    HudModule.forRoot({ exporters: [memory], rateLimit: false, slowThresholdMs: false, breadcrumbs: false }),
    { logger: false },
  );
  const hudNoBreadcrumbs = noBreadcrumbs.get(HudContextService);
  const NO_BASELINE = 'HudContextService.run + setContext (3 keys), slowBaseline: false';
  const NO_BREADCRUMBS = 'an invocation logging 3 Logger lines, breadcrumbs: false';
  // Nest prints nothing here (logger: false): this is what a line costs nestjs-hud, not the printing
  const logger = new Logger('Micro');
  const logThree = () => {
    setContext(values);
    logger.log('cart priced');
    logger.warn('payment gateway slow to answer, retrying once');
    logger.log('order stored');
  };
  // an ORM entity with its lines loaded: about 1.2 MB as JSON
  const bigObject = { id: 'order-7', lines: Array.from({ length: 10_000 }, (_, i) => ({ id: i, sku: `sku-${i}`, note: 'n'.repeat(90) })) };
  const LOG_OBJECT_FLOOR = 'floor: Logger.log(a 1.2 MB object) outside any invocation';
  const counters = new SuspectCounters(new HudSuspectsOptions(), () => false);
  const churnCounters = new SuspectCounters(new HudSuspectsOptions(), () => false);
  // built beforehand, so that the batch allocates nothing of its own
  const churnValues = Array.from({ length: 20_000 }, (_, i) => ({
    client_id: i % 10 === 0 ? `new-client-${i}` : `client-${i % 7}`,
    request_id: 'req-1234',
    user_tier: i % 3 === 0 ? 'pro' : 'free',
  }));
  const NO_SUSPECTS = 'HudContextService.run + setContext (3 keys), suspects: false';
  const sketch = new LogCollapsingLowestDenseDDSketch({ relativeAccuracy: 0.02, binLimit: 256 });
  // 1,024 durations between about 2 and 200 ms (a fixed pattern, no randomness)
  const durations = Array.from({ length: 1024 }, (_, i) => 20 * Math.exp(Math.sin(i * 12.9898) * 2.3));
  // OpenFeature: two clients of one in-memory provider, the hook on one of them only
  await OpenFeature.setProviderAndWait(
    new InMemoryProvider({ 'new-checkout': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false } }),
  );
  // (the SDK awaits every stage of every hook, so any hook costs something: a no-op hook
  // with the same stages is the floor that leaves what HudOpenFeatureHook itself does)
  const flagsWithoutHook = OpenFeature.getClient('micro-plain');
  const flagsWithNoopHook = OpenFeature.getClient('micro-noop');
  flagsWithNoopHook.addHooks({ after: () => undefined, error: () => undefined });
  const flagsWithHook = OpenFeature.getClient('micro-hud');
  flagsWithHook.addHooks(new HudOpenFeatureHook());
  const NO_FLAG_HOOK = 'an invocation evaluating 1 flag (OpenFeature, in-memory), no hook';
  const NOOP_FLAG_HOOK = 'an invocation evaluating 1 flag (OpenFeature, in-memory), a no-op hook';
  // the hook's own work for one evaluation, called as the SDK calls it, without the SDK around it
  const directHook = new HudOpenFeatureHook();
  const flagHookContext = { flagKey: 'new-checkout', defaultValue: false };
  const flagDetails = { flagKey: 'new-checkout', value: true, variant: 'on' };
  const EMPTY_INVOCATION = 'HudContextService.run of an empty function';
  const ONE_KEY_INVOCATION = "HudContextService.run + setContext({ 'flag.new-checkout': true })";
  const flagValue = { 'flag.new-checkout': true };

  const cases: MicroCase[] = [
    {
      name: RUN_FLOOR,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) {
          floor.run({}, () => {
            const store = floor.getStore()!;
            store.client_id = values.client_id;
            store.request_id = values.request_id;
            store.user_tier = values.user_tier;
          });
        }
      },
    },
    {
      name: 'setContext (3 keys) inside an invocation',
      floor: RUN_FLOOR,
      iterations: N,
      batch: (n) =>
        hud.run('micro', () => {
          for (let i = 0; i < n; i++) setContext(values);
        }),
    },
    {
      name: 'HudContextService.run + setContext (3 keys): a whole invocation',
      floor: RUN_FLOOR,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) hud.run('micro', () => setContext(values));
      },
    },
    {
      name: NO_SUSPECTS,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) hudNoSuspects.run('micro', () => setContext(values));
      },
    },
    {
      name: 'HudContextService.run + setContext (3 keys), suspects on (default)',
      floor: NO_SUSPECTS,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) hud.run('micro', () => setContext(values));
      },
    },
    {
      name: NO_BASELINE,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) hudNoBaseline.run('micro', () => setContext(values));
      },
    },
    {
      name: 'HudContextService.run + setContext (3 keys), slowBaseline on (default)',
      floor: NO_BASELINE,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) hud.run('micro', () => setContext(values));
      },
    },
    {
      name: NO_BREADCRUMBS,
      iterations: N,
      batch: (n) =>
        withoutLoggerWrapper(() => {
          for (let i = 0; i < n; i++) hudNoBreadcrumbs.run('micro', logThree);
        }),
    },
    {
      name: 'an invocation logging 3 Logger lines, breadcrumbs on (default)',
      floor: NO_BREADCRUMBS,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) hud.run('micro', logThree);
      },
    },
    {
      name: NO_FLAG_HOOK,
      iterations: N / 10,
      batch: async (n) => {
        for (let i = 0; i < n; i++) await hud.run('micro', () => flagsWithoutHook.getBooleanValue('new-checkout', false));
      },
    },
    {
      name: NOOP_FLAG_HOOK,
      floor: NO_FLAG_HOOK,
      iterations: N / 10,
      batch: async (n) => {
        for (let i = 0; i < n; i++) await hud.run('micro', () => flagsWithNoopHook.getBooleanValue('new-checkout', false));
      },
    },
    {
      name: 'an invocation evaluating 1 flag (OpenFeature, in-memory), HudOpenFeatureHook',
      floor: NOOP_FLAG_HOOK,
      iterations: N / 10,
      batch: async (n) => {
        for (let i = 0; i < n; i++) await hud.run('micro', () => flagsWithHook.getBooleanValue('new-checkout', false));
      },
    },
    {
      name: EMPTY_INVOCATION,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) hud.run('micro', () => undefined);
      },
    },
    {
      name: ONE_KEY_INVOCATION,
      floor: EMPTY_INVOCATION,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) hud.run('micro', () => setContext(flagValue));
      },
    },
    {
      name: 'HudContextService.run + HudOpenFeatureHook.after (1 flag recorded)',
      floor: ONE_KEY_INVOCATION,
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) hud.run('micro', () => directHook.after(flagHookContext, flagDetails));
      },
    },
    {
      name: LOG_OBJECT_FLOOR,
      iterations: 2_000,
      batch: (n) => {
        for (let i = 0; i < n; i++) logger.log(bigObject);
      },
    },
    {
      // the breadcrumb keeps a reference; the object is described only if the invocation is recorded
      name: 'Logger.log(a 1.2 MB object) inside an invocation, breadcrumbs on',
      floor: LOG_OBJECT_FLOOR,
      iterations: 2_000,
      batch: (n) =>
        hud.run('micro', () => {
          for (let i = 0; i < n; i++) logger.log(bigObject);
        }),
    },
    {
      name: 'suspects: counting one invocation (3 keys)',
      iterations: N,
      batch: (n) => {
        const now = performance.now();
        for (let i = 0; i < n; i++) counters.count('GET /hello', 'http', values, true, OUTCOME_OK, now + i * 1e-3);
      },
    },
    {
      // the same with churn: 1 invocation in 10 brings a client_id never seen, which takes the
      // lightest of the 20 rows (a scan, the evicted counts moved to '(other)'); the others
      // come from 10 regular clients. Time moves a bucket on every 20,000 invocations.
      name: 'suspects: counting one invocation (3 keys, 1 in 10 a new client_id)',
      iterations: N,
      batch: (n) => {
        const now = performance.now();
        for (let i = 0; i < n; i++) {
          const churned = churnValues[i % churnValues.length];
          churnCounters.count('GET /churn', 'http', churned, true, i % 50 === 0 ? OUTCOME_FAILING : OUTCOME_OK, now + i * 3);
        }
      },
    },
    {
      name: SET_FLOOR,
      iterations: N,
      batch: (n) =>
        floor.run({}, () => {
          for (let i = 0; i < n; i++) {
            const store = floor.getStore()!;
            store.client_id = values.client_id;
            store.request_id = values.request_id;
            store.user_tier = values.user_tier;
          }
        }),
    },
    {
      name: 'HudContextService.set (3 keys) inside an invocation',
      floor: SET_FLOOR,
      iterations: N,
      batch: (n) =>
        hud.run('micro', () => {
          for (let i = 0; i < n; i++) hud.set(values);
        }),
    },
    {
      name: COPY_FLOOR,
      iterations: N,
      batch: (n) =>
        floor.run({ ...values }, () => {
          for (let i = 0; i < n; i++) sink += Object.keys({ ...floor.getStore()! }).length;
        }),
    },
    {
      name: 'getContext() (3 keys)',
      floor: COPY_FLOOR,
      iterations: N,
      batch: (n) =>
        hud.run('micro', () => {
          setContext(values);
          for (let i = 0; i < n; i++) sink += Object.keys(getContext()).length;
        }),
    },
    {
      // what each completed invocation adds to its name's latency baseline (slowBaseline on):
      // the same sketch settings nestjs-hud uses, fed varied durations
      name: 'latency sketch: one update (DDSketch, 2 % accuracy, 256 bins)',
      iterations: N,
      batch: (n) => {
        for (let i = 0; i < n; i++) sketch.accept(durations[i & 1023]);
        sink += sketch.count;
      },
    },
    {
      name: 'failing invocation → record built and exported (MemoryExporter)',
      iterations: 20 * BATCH,
      batch: async (n) => {
        for (let done = 0; done < n; done += BATCH) {
          for (let i = 0; i < BATCH; i++) {
            try {
              hud.run('micro.fail', () => {
                setContext(values);
                throw failure;
              });
            } catch {
              sink++;
            }
          }
          await forensics.flush();
          sink += memory.records.length;
          memory.clear();
        }
      },
    },
  ];
  // BENCH_MICRO_ONLY=text times only the cases whose name contains it: a pair measured alone,
  // without the other cases running between its runs and reshaping what V8 optimised
  const only = process.env.BENCH_MICRO_ONLY;
  const results = await timeAll(only ? cases.filter((c) => c.name.includes(only) || cases.some((f) => f.floor === c.name && f.name.includes(only))) : cases);
  await app.close();
  await noSuspects.close();
  await noBaseline.close();
  await noBreadcrumbs.close();
  if (sink === -1) console.log('unreachable');
  return results;
}

export function formatMicro(results: readonly MicroResult[]): string {
  const lines = [
    '| operation | ns/op (median of 5) | CPU ns/op | × floor | floor |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const result of results) {
    const ratio = result.ratioToFloor === undefined ? '' : result.ratioToFloor.toFixed(2);
    lines.push(
      `| ${result.name} | ${result.nsPerOp.toFixed(0)} | ${result.cpuNsPerOp.toFixed(0)} | ${ratio} | ${result.floor?.replace(/^floor: /, '') ?? ''} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const node = process.env.BENCH_NODE;
  if (node && realpathSync(node) !== realpathSync(process.execPath) && process.env.BENCH_MICRO_CHILD === undefined) {
    // Re-run this file on the requested Node.
    const child = spawnSync(node, [fileURLToPath(import.meta.url)], { stdio: 'inherit', env: { ...process.env, BENCH_MICRO_CHILD: '1' } });
    process.exit(child.status ?? 1);
  }
  const results = await runMicro();
  if (process.send !== undefined) {
    process.send({ type: 'micro', results });
    process.disconnect();
    return;
  }
  const table = formatMicro(results);
  console.log(`node ${process.version}\n`);
  console.log(table);
  const out = process.env.BENCH_OUT ?? `bench/results-micro-node${process.versions.node.split('.')[0]}.json`;
  let measuredTree = 'unknown';
  try {
    measuredTree = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const machine = { node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, loadAverageAtStart: os.loadavg() };
  writeFileSync(out, JSON.stringify({ generatedAt: new Date().toISOString(), command: 'npm run bench:micro', measuredTree, machine, results, table }, null, 2) + '\n');
  console.error(`bench:micro: wrote ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
