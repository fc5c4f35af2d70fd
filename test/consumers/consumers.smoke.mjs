// Consumer smoke tests: what a user gets from `npm install nestjs-hud`. The package is packed
// with `npm pack` and the tarball installed, with Nest from the npm registry, into fresh
// copies of two apps in a temp folder:
//   nest11-cjs   Nest 11 on Express, a CommonJS package; entries main.js (require) and main.mjs (import)
//   nest12-esm   Nest 12 on Fastify, an ESM package; entries main.js (import) and main.cjs (require)
// Each entry runs on every Node of HUD_CONSUMER_RUNTIMES (test/run.mjs passes Node 20 and 24)
// and must turn a failing request on 127.0.0.1 into one record, leave the responses as they
// are, record nothing with `enabled: false`, and carry `client_id` to a TCP microservice of
// the same Nest through withHudPropagation (Nest 11 has no dispatch hook: see
// lib/propagation/packet-metadata.fallback.ts), and turn a failing `@Interval` tick and a
// failing `@OnEvent` listener of that Nest's @nestjs/schedule and @nestjs/event-emitter into
// records with no decorator of ours. The TypeScript declarations of each format
// are compiled against the same install, under the module settings such apps use.
//
// Each app also holds what `nest new` writes (src/, test/, tsconfig.json; Nest 11: Jest,
// Nest 12: Vitest and @nestjs/observe). The README's Quick start is read from README.md and
// applied to those files as a reader would, adding its files and its marked lines to
// app.module.ts (and, for Jest, its moduleNameMapper), so README and test cannot drift; then
// the app's own generated e2e test and ours (cli/orders.e2e-spec.ts) must pass.
// Installs use npm's cache first (--prefer-offline), so a warm machine needs no network, and
// run no install scripts (none of these packages needs one).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { boundedSpawn, npmCommand } from '../runner/bounded-spawn.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HERE = join(ROOT, 'test', 'consumers');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const RUNTIMES = JSON.parse(process.env.HUD_CONSUMER_RUNTIMES ?? JSON.stringify([process.execPath])).map((path) => ({
  path,
  version: spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 }).stdout.trim(),
}));
const INSTALL_TIMEOUT_MS = 6 * 60_000;
const RUN_TIMEOUT_MS = 60_000;
const TYPECHECK_TIMEOUT_MS = 3 * 60_000;
const E2E_TIMEOUT_MS = 3 * 60_000;

const ESM_TYPES = '/node_modules/nestjs-hud/dist/index.d.ts';
const CJS_TYPES = '/node_modules/nestjs-hud/dist/cjs/index.d.ts';

/** Runs the e2e tests of a CLI-shaped app the way its `npm run test:e2e` does. */
const JEST = { runner: 'Jest', args: ['node_modules/jest/bin/jest.js', '--config', './test/jest-e2e.json', '--ci'] };
const VITEST = { runner: 'Vitest', args: ['node_modules/vitest/vitest.mjs', 'run', '--config', './vitest.config.e2e.ts'] };

const APPS = [
  {
    name: 'nest11-cjs',
    nestMajor: 11,
    e2e: JEST,
    entries: [
      { file: 'main.js', format: 'cjs' },
      { file: 'main.mjs', format: 'esm' },
    ],
    typechecks: [
      { project: 'tsconfig.node10.json', types: CJS_TYPES },
      { project: 'tsconfig.node16.json', types: CJS_TYPES },
    ],
  },
  {
    name: 'nest12-esm',
    nestMajor: 12,
    e2e: VITEST,
    entries: [
      { file: 'main.js', format: 'esm' },
      { file: 'main.cjs', format: 'cjs' },
    ],
    typechecks: [
      { project: 'tsconfig.nodenext.json', types: ESM_TYPES },
      { project: 'tsconfig.bundler.json', types: ESM_TYPES },
    ],
  },
];

/** The environment without what `npm test` and the test runner put in it about this repo. */
function cleanEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(package|lifecycle)_/.test(key) || key === 'npm_config_local_prefix' || key === 'INIT_CWD' || key === 'NODE_TEST_CONTEXT') {
      delete env[key];
    }
  }
  // @nestjs/observe, which Nest 12's `nest new` sets up, may only ever talk to this machine:
  // a closed port on 127.0.0.1 instead of its hosted collector.
  env.OBSERVE_ENDPOINT = 'http://127.0.0.1:9';
  return env;
}

/** The ```ts blocks of README.md named by their first line (`// orders.controller.ts`). */
function readmeFiles(readme) {
  const files = new Map();
  for (const match of readme.matchAll(/^```ts\n\/\/ ([\w.-]+\.ts)\n([\s\S]*?)^```/gm)) files.set(match[1], `// ${match[1]}\n${match[2]}`);
  return files;
}

const ADD_MARK = /\s*\/\/ ← add.*$/;

/**
 * Adds README's marked lines of app.module.ts to the one `nest new` wrote, as a reader does:
 * the marked imports after the file's imports, the marked `imports: [...]` entries into the
 * module's `imports` (after what is there, e.g. Nest 12's ObserveModule.forRoot).
 */
function addMarkedLines(generated, readmeModule) {
  const readmeLines = readmeModule.split('\n');
  const marked = readmeLines.filter((line) => ADD_MARK.test(line)).map((line) => line.replace(ADD_MARK, ''));
  const entries = marked.map((line) => /^\s*imports: \[(.*)\],$/.exec(line)?.[1]).find((found) => found !== undefined);
  assert.ok(
    entries !== undefined && marked.filter((line) => line.startsWith('import ')).length === marked.length - 1,
    `README's app.module.ts marks what this test cannot add:\n${marked.join('\n')}`,
  );
  const lines = generated.split('\n');
  // Each marked import goes after the line README shows above it (an import, with or without `.js`).
  const sameImport = (a, b) => a.replace(/\.js';$/, "';") === b.replace(/\.js';$/, "';");
  let anchor = -1;
  for (const line of readmeLines) {
    if (ADD_MARK.test(line) && line.startsWith('import ')) {
      lines.splice(++anchor, 0, line.replace(ADD_MARK, ''));
    } else if (line.startsWith('import ')) {
      anchor = lines.findIndex((generatedLine) => sameImport(generatedLine, line));
      assert.ok(anchor >= 0, `the generated app.module.ts has ${line}`);
    }
  }
  const at = lines.findIndex((line) => /^\s*imports: \[/.test(line));
  assert.ok(at >= 0, 'the generated app.module.ts has an imports list');
  if (lines[at].trimEnd().endsWith('[],')) {
    lines[at] = lines[at].replace('[]', `[${entries}]`);
  } else {
    const indent = /^\s*/.exec(lines[at])[0];
    const close = lines.findIndex((line, i) => i > at && line === `${indent}],`);
    assert.ok(close > at, 'the end of the generated imports list');
    lines.splice(close, 0, `${indent}  ${entries},`);
  }
  return lines.join('\n');
}

/** Follows README's Quick start in a CLI-shaped app (see the comment at the top). */
function applyQuickStart(dir, app) {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const files = readmeFiles(readme);
  const readmeModule = files.get('app.module.ts');
  assert.ok(readmeModule, "README's Quick start shows app.module.ts");
  const newFiles = [...files.keys()].filter((name) => name !== 'app.module.ts');
  assert.deepEqual(newFiles.sort(), ['client-context.middleware.ts', 'orders.controller.ts', 'orders.module.ts']);
  for (const name of newFiles) writeFileSync(join(dir, 'src', name), files.get(name));

  const generated = readFileSync(join(dir, 'src', 'app.module.ts'), 'utf8');
  const added = addMarkedLines(generated, readmeModule);
  if (app.nestMajor === 11) {
    // README's unmarked lines are what Nest 11's `nest new` wrote, but for the `.js` of its imports.
    const unmarked = readmeModule.split('\n').map((line) => line.replace(ADD_MARK, '')).join('\n');
    assert.equal(`// app.module.ts\n${added}`, unmarked.replace(/(from '\.\/app\.(controller|service))\.js'/g, "$1'"));
  }
  // Every line `nest new` wrote stays (an empty `imports: [],` gains its entries).
  for (const line of generated.split('\n')) {
    if (!/^\s*imports: \[\],$/.test(line)) assert.ok(added.split('\n').includes(line), `the Quick start keeps ${line}`);
  }
  writeFileSync(join(dir, 'src', 'app.module.ts'), added);

  if (app.e2e === JEST) {
    const mapper = /^```json\n("moduleNameMapper": .*)\n```/m.exec(readme);
    assert.ok(mapper, "README's moduleNameMapper line for Jest");
    const config = JSON.parse(readFileSync(join(dir, 'test', 'jest-e2e.json'), 'utf8'));
    writeFileSync(join(dir, 'test', 'jest-e2e.json'), JSON.stringify({ ...config, ...JSON.parse(`{${mapper[1]}}`) }, null, 2));
  }
  cpSync(join(HERE, 'cli', 'orders.e2e-spec.ts'), join(dir, 'test', 'orders.e2e-spec.ts'));
}

let work;
const appDirs = new Map();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'nestjs-hud-consumers-'));
  const npm = npmCommand();
  // The build is fresh (npm test and test:consumers build first); packing must not rebuild.
  const packed = await boundedSpawn(npm.command, [...npm.prefix, 'pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: ROOT,
    env: cleanEnv(),
    timeoutMs: 2 * 60_000,
    capture: true,
  });
  assert.equal(packed.code, 0, `npm pack failed: ${packed.stderr}`);
  const tarball = join(work, JSON.parse(packed.stdout)[0].filename);

  const installs = await Promise.all(
    APPS.map(async (app) => {
      const dir = join(work, app.name);
      cpSync(join(HERE, app.name), dir, { recursive: true });
      cpSync(join(HERE, 'shared'), dir, { recursive: true });
      const started = performance.now();
      const result = await boundedSpawn(
        npm.command,
        [...npm.prefix, 'install', '--prefix', dir, '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--ignore-scripts', '--loglevel=error', tarball],
        { cwd: dir, env: cleanEnv(), timeoutMs: INSTALL_TIMEOUT_MS, capture: true },
      );
      appDirs.set(app.name, dir);
      if (result.code === 0) applyQuickStart(dir, app);
      return { app: app.name, seconds: (performance.now() - started) / 1000, ...result };
    }),
  );
  for (const install of installs) {
    console.log(`# ${install.app}: npm install took ${install.seconds.toFixed(1)} s`);
    assert.equal(install.code, 0, `npm install in ${install.app} ${install.timedOut ? 'timed out' : 'failed'}: ${install.stderr}`);
  }
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function runEntry(dir, runtime, file) {
  const run = await boundedSpawn(runtime.path, [file], { cwd: dir, env: cleanEnv(), timeoutMs: RUN_TIMEOUT_MS, capture: true });
  const line = run.stdout.split('\n').find((l) => l.startsWith('HUD_SMOKE_RESULT '));
  assert.ok(
    run.code === 0 && line,
    `${file} on Node ${runtime.version} ${run.timedOut ? 'timed out' : `exited ${run.code}`}:\n${run.stdout}\n${run.stderr}`,
  );
  return JSON.parse(line.slice('HUD_SMOKE_RESULT '.length));
}

const INTERNAL_ERROR = { statusCode: 500, message: 'Internal server error' };

for (const app of APPS) {
  describe(`${app.name} (Nest ${app.nestMajor})`, () => {
    for (const runtime of RUNTIMES) {
      for (const entry of app.entries) {
        it(`${entry.file} (${entry.format}) on Node ${runtime.version}: a failing request yields one record`, async () => {
          const result = await runEntry(appDirs.get(app.name), runtime, entry.file);

          assert.equal(result.node, runtime.version);
          assert.equal(Number(result.nestVersion.split('.')[0]), app.nestMajor);
          const expected = entry.format === 'cjs' ? '/node_modules/nestjs-hud/dist/cjs/index.js' : '/node_modules/nestjs-hud/dist/index.js';
          assert.ok(result.resolved.endsWith(expected), `nestjs-hud resolved to ${result.resolved}, expected …${expected}`);

          const { enabled, disabled } = result;
          assert.deepEqual(enabled.failed, { status: 500, body: INTERNAL_ERROR });
          assert.deepEqual(enabled.succeeded, { status: 200, body: { ok: true, client: 'acme' } });
          assert.equal(enabled.recordCount, 1, 'exactly one record: the failure, none for the success');
          const record = enabled.record;
          assert.equal(record.trigger, 'error');
          assert.equal(record.service, 'consumer-smoke');
          assert.equal(record.invocation.kind, 'http');
          assert.equal(record.invocation.name, 'GET /orders/:id/fail');
          assert.deepEqual(record.invocation.http, { method: 'GET', route: '/orders/:id/fail', url: '/orders/42/fail', statusCode: 500 });
          assert.equal(record.error.message, 'payment gateway timeout');
          assert.deepEqual(record.context, { client_id: 'acme', via_app_use: true, order_id: '42', handler: 'fail' });

          // enabled: false changes nothing but the records.
          assert.deepEqual(disabled.failed, { status: 500, body: INTERNAL_ERROR });
          assert.deepEqual(disabled.succeeded, { status: 200, body: { ok: true, client: null } });
          assert.equal(disabled.recordCount, 0);

          // withHudPropagation over TCP with this Nest's @nestjs/microservices: the failing
          // microservice's record shows the HTTP caller's client_id
          const { propagation } = result;
          assert.deepEqual(propagation.response, { status: 200, body: { billing: 'failed', message: 'Internal server error' } });
          assert.equal(propagation.record.service, 'consumer-billing');
          assert.deepEqual(propagation.record.invocation.rpc, { pattern: 'billing.charge', transport: 'TCP' });
          assert.equal(propagation.record.error.message, 'ledger locked');
          assert.deepEqual(propagation.record.context, { client_id: 'acme', amount: 42 });

          // this Nest's @nestjs/schedule and @nestjs/event-emitter, no decorator of ours
          assert.deepEqual(result.jobs.tick, { kind: 'job', name: 'StockJobs.sync', context: { tick: 1 }, message: 'sync 1 failed' });
          assert.deepEqual(result.jobs.listener, { kind: 'job', name: 'StockJobs.onOrder', context: { order_id: 'o-7' }, message: 'listener failed for o-7' });
          // A Redis microservice with propagation on: Nest 11's server drops packet metadata, said at boot.
          const { redisPropagation } = result;
          assert.ok(redisPropagation.booted, 'the Redis microservice booted');
          if (app.nestMajor === 11) {
            assert.equal(redisPropagation.warnings.length, 1, redisPropagation.warnings.join('\n'));
            assert.match(redisPropagation.warnings[0], /^propagation: this Redis microservice runs on @nestjs\/microservices 11, whose Redis server drops packet metadata/);
          } else {
            assert.deepEqual(redisPropagation.warnings, []);
          }
        });
      }
    }

    for (const runtime of RUNTIMES) {
      it(`the app \`nest new\` made, with README's Quick start added: its e2e tests pass with ${app.e2e.runner} on Node ${runtime.version}`, async () => {
        const run = await boundedSpawn(runtime.path, app.e2e.args, { cwd: appDirs.get(app.name), env: { ...cleanEnv(), CI: 'true' }, timeoutMs: E2E_TIMEOUT_MS, capture: true });
        const output = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
        assert.equal(run.code, 0, `${app.e2e.runner} e2e on Node ${runtime.version} ${run.timedOut ? 'timed out' : 'failed'}:\n${output}`);
        // Both spec files ran: the generated one and the Quick start's.
        assert.match(output, /test\/app\.e2e-spec\.ts/);
        assert.match(output, /test\/orders\.e2e-spec\.ts/);
        assert.match(output, app.e2e === JEST ? /Tests:\s+3 passed, 3 total/ : /Tests\s+3 passed \(3\)/);
      });
    }

    it('resolves each OpenTelemetry install line of docs/opentelemetry-logging.md beside nestjs-hud (npm install --dry-run)', async () => {
      const page = readFileSync(join(ROOT, 'docs', 'opentelemetry-logging.md'), 'utf8');
      const lines = [...page.matchAll(/^npm install (@opentelemetry\/.+)$/gm)].map((m) => m[1].split(' '));
      assert.equal(lines.length, 2, 'the 2.x and the 3.x line');
      const npm = npmCommand();
      for (const packages of lines) {
        const run = await boundedSpawn(
          npm.command,
          [...npm.prefix, 'install', '--dry-run', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--ignore-scripts', '--loglevel=error', ...packages],
          { cwd: appDirs.get(app.name), env: cleanEnv(), timeoutMs: INSTALL_TIMEOUT_MS, capture: true },
        );
        assert.equal(run.code, 0, `npm install --dry-run ${packages.join(' ')} failed:\n${run.stderr}`);
        assert.doesNotMatch(run.stderr, /ERESOLVE/);
      }
    });

    for (const check of app.typechecks) {
      it(`compiles against the ${check.types.includes('/cjs/') ? 'CommonJS' : 'ESM'} declarations with ${check.project}`, async () => {
        const dir = appDirs.get(app.name);
        const run = await boundedSpawn(process.execPath, [TSC, '-p', check.project, '--listFiles'], {
          cwd: dir,
          env: cleanEnv(),
          timeoutMs: TYPECHECK_TIMEOUT_MS,
          capture: true,
        });
        assert.equal(run.code, 0, `tsc -p ${check.project} failed:\n${run.stdout}\n${run.stderr}`);
        const files = run.stdout.split('\n').map((f) => f.trim().replaceAll('\\', '/'));
        const other = check.types === ESM_TYPES ? CJS_TYPES : ESM_TYPES;
        assert.ok(files.some((f) => f.endsWith(check.types)), `${check.project} did not use …${check.types}`);
        assert.ok(!files.some((f) => f.endsWith(other)), `${check.project} also loaded …${other}`);
      });
    }
  });
}
