// The real services the tests use, started once per test run before any test file, on
// 127.0.0.1 and on free ports (so a run never meets a Redis the machine already has):
//   redis-server  → HUD_TEST_REDIS_URL  (redis://127.0.0.1:<port>)
//   mosquitto     → HUD_TEST_MQTT_URL   (mqtt://127.0.0.1:<port>)
//   nats-server   → HUD_TEST_NATS_URL   (nats://127.0.0.1:<port>)
//   prometheus    → HUD_TEST_PROMETHEUS_URL (http://127.0.0.1:<port>), scraping every 1 s the
//                   targets tests write into HUD_TEST_PROMETHEUS_TARGETS (file_sd_configs: *.json)
//                   and evaluating every 1 s the rule files tests write into
//                   HUD_TEST_PROMETHEUS_RULES (*.yml, read on POST /-/reload)
//   promtool      → HUD_TEST_PROMTOOL   (its path, from the same package)
//   chromium      → HUD_TEST_CHROMIUM   (its path; each browser test launches its own)
// Each server runs in the foreground as a child of this process, without persistence, and
// is stopped when the run ends: normally, on failure, on an exception (the 'exit' hook) and
// on Ctrl-C or SIGTERM. Nothing is daemonized, so nothing outlives the run.
//
//   node test/runner/services.mjs -- <command...>   runs one command with the services up
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boundedSpawn } from './bounded-spawn.mjs';
import { provision, ProvisionError } from './provision.mjs';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_TAIL = 4000;

/** A port nothing listens on right now, chosen by the kernel. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves true when the server on `port` answers like itself: Redis PONGs a PING, NATS
 * greets with INFO, mosquitto accepts the connection, Prometheus answers 200 on /-/ready
 * (once it has loaded its configuration and storage).
 */
function probe(kind, port) {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    let reply = '';
    socket.on('connect', () => {
      if (kind === 'redis') socket.write('PING\r\n');
      if (kind === 'prometheus') socket.write(`GET /-/ready HTTP/1.0\r\nHost: ${HOST}:${port}\r\n\r\n`);
      if (kind === 'mqtt') done(true);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (!reply.includes('\r\n')) return;
      if (kind === 'prometheus') return done(/^HTTP\/1\.[01] 200 /.test(reply));
      done(kind === 'redis' ? reply.startsWith('+PONG') : reply.startsWith('INFO'));
    });
    socket.on('error', () => done(false));
  });
}

/** How each server is started in the foreground on `port`; `dir` is the run's scratch folder. */
const SERVERS = [
  {
    kind: 'redis',
    binary: 'redis-server',
    env: 'HUD_TEST_REDIS_URL',
    scheme: 'redis',
    args: (port, dir) => ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir],
  },
  {
    kind: 'mqtt',
    binary: 'mosquitto',
    env: 'HUD_TEST_MQTT_URL',
    scheme: 'mqtt',
    args: (port, dir) => {
      const config = join(dir, 'mosquitto.conf');
      writeFileSync(config, `listener ${port} ${HOST}\nallow_anonymous true\npersistence false\nlog_dest stdout\n`);
      return ['-c', config];
    },
  },
  {
    kind: 'nats',
    binary: 'nats-server',
    env: 'HUD_TEST_NATS_URL',
    scheme: 'nats',
    args: (port) => ['-a', HOST, '-p', String(port)],
  },
  {
    kind: 'prometheus',
    binary: 'prometheus',
    env: 'HUD_TEST_PROMETHEUS_URL',
    scheme: 'http',
    extraEnv: (dir) => ({ HUD_TEST_PROMETHEUS_TARGETS: join(dir, 'prometheus-targets'), HUD_TEST_PROMETHEUS_RULES: join(dir, 'prometheus-rules') }),
    args: (port, dir) => {
      const targets = join(dir, 'prometheus-targets');
      const rules = join(dir, 'prometheus-rules');
      mkdirSync(targets, { recursive: true });
      mkdirSync(rules, { recursive: true });
      const config = join(dir, 'prometheus.yml');
      writeFileSync(
        config,
        [
          'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
          `rule_files: [${JSON.stringify(join(rules, '*.yml'))}]`,
          'scrape_configs:',
          '  - job_name: hud-test',
          `    file_sd_configs: [{ files: [${JSON.stringify(join(targets, '*.json'))}], refresh_interval: 1s }]`,
          '',
        ].join('\n'),
      );
      return [
        `--config.file=${config}`,
        `--web.listen-address=${HOST}:${port}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        '--storage.tsdb.retention.time=1d',
        '--web.enable-lifecycle',
        '--log.level=warn',
      ];
    },
  },
];

const running = new Set();

// The last resort: whatever way this process ends, no server outlives it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function startServer(spec, path, dir) {
  const port = await freePort();
  const child = spawn(path, spec.args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-OUTPUT_TAIL));
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  let exited = false;
  const exit = new Promise((resolve) => {
    child.on('error', (error) => keep(String(error)));
    child.on('close', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await probe(spec.kind, port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ProvisionError(
        `test/run.mjs: ${spec.binary} on ${HOST}:${port} ${exited ? 'exited' : `did not answer within ${READY_TIMEOUT_MS / 1000} s`}:\n${output.trim()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  };
  return { url: `${spec.scheme}://${HOST}:${port}`, pid: child.pid, stop };
}

/**
 * Installs what is missing (see provision.mjs), starts the servers and resolves with the
 * environment the tests read (`HUD_TEST_*`) and `stop()`, which stops every server started.
 * On any error it stops what it had started before rethrowing.
 */
export async function startTestServices(env = process.env) {
  const binaries = await provision(env);
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-hud-services-'));
  const started = [];
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const spec of SERVERS) started.push({ spec, ...(await startServer(spec, binaries[spec.binary], dir)) });
  } catch (error) {
    await stop();
    throw error;
  }
  const serviceEnv = { HUD_TEST_CHROMIUM: binaries.chromium, HUD_TEST_PROMTOOL: binaries.promtool };
  for (const { spec, url } of started) Object.assign(serviceEnv, { [spec.env]: url }, spec.extraEnv?.(dir));
  const summary = started.map(({ spec, url, pid }) => `${spec.binary} ${url} (pid ${pid})`).join(', ');
  console.log(`test/run.mjs: started ${summary}`);
  return { env: serviceEnv, stop };
}

/**
 * Runs `body(env)` with the services up and stops them afterwards, whatever happens: the
 * body's result or error, Ctrl-C or SIGTERM. A ProvisionError's message is printed as it
 * is and the process exits 1, so a user sees the command to run, not a stack.
 */
export async function withTestServices(body) {
  let services;
  const onSignal = (signal) => {
    void (services?.stop() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    services = await startTestServices();
    return await body(services.env);
  } catch (error) {
    if (!(error instanceof ProvisionError)) throw error;
    console.error(error.message);
    process.exit(1);
  } finally {
    await services?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dash = process.argv.indexOf('--');
  const [command, ...args] = dash === -1 ? [] : process.argv.slice(dash + 1);
  if (command === undefined) {
    console.error('usage: node test/runner/services.mjs -- <command...>');
    process.exit(2);
  }
  const code = await withTestServices(async (serviceEnv) => {
    const result = await boundedSpawn(command, args, { env: { ...process.env, ...serviceEnv }, timeoutMs: 60 * 60_000 });
    return result.code;
  });
  process.exit(code);
}
