// The test command. `npm test` builds, then runs this with no argument:
//   0. installs what the tests need when it is missing (redis-server, mosquitto, nats-server,
//      rabbitmq-server, chromium, prometheus: apt-get as root, else it stops with the command
//      to run) and starts one Redis, one mosquitto, one nats-server, one Prometheus and, when a
//      test file selected needs it, one RabbitMQ on 127.0.0.1 for the whole run (runner/services.mjs);
//      steps 1 and 2 read their addresses from HUD_TEST_* variables. They are stopped when
//      the run ends, however it ends.
//   1. every compiled test file (.build/test/**/*.test.js) on this Node (the machine's, 20),
//   2. the same files on Node 24 (installed from the npm registry into .node24/ when missing),
//   3. the consumer smoke tests (test/consumers/): the packed tarball installed into a Nest 11
//      CommonJS app and a Nest 12 ESM app, each run on both Node versions.
// It ends with one line counting every test of all steps, and fails when any step fails or
// when a step ran no test: a run that executes no test must not pass.
//
//   node test/run.mjs <filter>            steps 0 and 1 only, files whose path contains <filter> (quick iteration)
//   node test/run.mjs --only=suite|node24|consumers [filter]
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundedSpawn } from './runner/bounded-spawn.mjs';
import { ensureNode24 } from './runner/node24.mjs';
import { needsRabbitMq, withTestServices } from './runner/services.mjs';

const SUITE_TIMEOUT_MS = 20 * 60_000;
const CONSUMERS_TIMEOUT_MS = 15 * 60_000;

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

/** Counts from the TAP summary node's test runner writes last (`# pass 12`, `# fail 0`, ...). */
function countsOf(tapFile) {
  let text = '';
  try {
    text = readFileSync(tapFile, 'utf8');
  } catch {
    // the runner died before writing anything
  }
  const count = (name) => Number([...text.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  return { pass: count('pass'), fail: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') };
}

/** Runs test files with node's test runner on `node`: spec output here, TAP to a file to count. */
async function runTests(label, node, args, env = process.env, timeoutMs = SUITE_TIMEOUT_MS) {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-hud-run-'));
  const tap = join(dir, 'report.tap');
  const started = performance.now();
  console.log(`\n=== ${label} ===`);
  const result = await boundedSpawn(
    node,
    [
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...args,
    ],
    { env, timeoutMs },
  );
  const counts = countsOf(tap);
  rmSync(dir, { recursive: true, force: true });
  const seconds = (performance.now() - started) / 1000;
  if (result.timedOut) console.error(`test/run.mjs: ${label} exceeded ${timeoutMs / 60_000} minutes and was stopped`);
  const ok = result.code === 0 && counts.fail === 0 && counts.pass > 0;
  return { label, ok, seconds, ...counts };
}

function suiteArgs(filter) {
  const files = findTests('.build/test').filter((f) => !filter || f.includes(filter)).sort();
  if (files.length === 0) throw new Error('no test files found under .build/test' + (filter ? ` matching "${filter}"` : ''));
  return ['--expose-gc', '--test-concurrency=2', '--test-timeout=120000', ...files];
}

async function nodeVersion(node) {
  const result = await boundedSpawn(node, ['--version'], { timeoutMs: 30_000, capture: true });
  return result.stdout.trim();
}

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const filter = args.find((a) => !a.startsWith('--'));
const steps = only ? [only] : filter ? ['suite'] : ['suite', 'node24', 'consumers'];
if (!steps.every((s) => ['suite', 'node24', 'consumers'].includes(s))) {
  console.error(`test/run.mjs: unknown step "${only}" (suite, node24, consumers)`);
  process.exit(1);
}

/** Runs the steps in order; a step that throws counts as one failed test. */
async function runSteps(serviceEnv) {
  const results = [];
  const env = { ...process.env, ...serviceEnv };
  let node24;
  for (const step of steps) {
    try {
      if (step === 'suite') {
        results.push(await runTests(`suite on Node ${process.version}`, process.execPath, suiteArgs(filter), env));
      } else if (step === 'node24') {
        node24 ??= await ensureNode24();
        results.push(await runTests(`suite on Node ${await nodeVersion(node24)}`, node24, suiteArgs(filter), env));
      } else {
        node24 ??= await ensureNode24();
        const consumerEnv = { ...env, HUD_CONSUMER_RUNTIMES: JSON.stringify([process.execPath, node24]) };
        const file = join('test', 'consumers', 'consumers.smoke.mjs');
        results.push(await runTests('consumer smoke tests (npm pack → Nest 11 CJS app, Nest 12 ESM app)', process.execPath, ['--test-timeout=600000', file], consumerEnv, CONSUMERS_TIMEOUT_MS));
      }
    } catch (error) {
      console.error(`test/run.mjs: ${step}: ${error instanceof Error ? error.message : String(error)}`);
      results.push({ label: step, ok: false, seconds: 0, pass: 0, fail: 1, skipped: 0 });
    }
  }
  return results;
}

// The consumer apps run no broker: a consumers-only run starts nothing.
const results = steps.some((s) => s === 'suite' || s === 'node24')
  ? await withTestServices(runSteps, { rabbitmq: needsRabbitMq(findTests('.build/test').filter((f) => !filter || f.includes(filter))) })
  : await runSteps({});

console.log('\n=== summary ===');
for (const r of results) {
  console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.label}: ${r.pass} passed, ${r.fail} failed (${r.seconds.toFixed(1)} s)`);
}
const total = (key) => results.reduce((sum, r) => sum + r[key], 0);
console.log(`tests: ${total('pass')} passed, ${total('fail')} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
