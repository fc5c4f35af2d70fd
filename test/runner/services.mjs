// The real services the tests use, started once per test run before any test file, on
// 127.0.0.1 and on free ports (so a run never meets a Redis the machine already has):
//   redis-server  → HUD_TEST_REDIS_URL  (redis://127.0.0.1:<port>)
//   mosquitto     → HUD_TEST_MQTT_URL   (mqtt://127.0.0.1:<port>)
//   nats-server   → HUD_TEST_NATS_URL   (nats://127.0.0.1:<port>)
//   rabbitmq-server → HUD_TEST_RMQ_URL  (amqp://127.0.0.1:<port>), with its own epmd on a
//                   free port; only for runs that need it (see `needsRabbitMq`): it takes
//                   10-20 s to start on a loaded 2-core machine, the others well under 1 s
//   prometheus    → HUD_TEST_PROMETHEUS_URL (http://127.0.0.1:<port>), scraping every 1 s the
//                   targets tests write into HUD_TEST_PROMETHEUS_TARGETS (file_sd_configs: *.json)
//                   and evaluating every 1 s the rule files tests write into
//                   HUD_TEST_PROMETHEUS_RULES (*.yml, read on POST /-/reload)
//   promtool      → HUD_TEST_PROMTOOL   (its path, from the same package)
//   chromium      → HUD_TEST_CHROMIUM   (its path; each browser test launches its own)
// Each server runs in the foreground as a child of this process, without persistence, and
// is stopped when the run ends: normally, on failure, on an exception (the 'exit' hook) and
// on Ctrl-C or SIGTERM. Nothing is daemonized, so nothing outlives the run. The servers
// start side by side.
//
//   node test/runner/services.mjs -- <command...>   runs one command with the services up
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boundedSpawn } from './bounded-spawn.mjs';
import { provision, ProvisionError } from './provision.mjs';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
/** RabbitMQ boots an Erlang VM: 9-21 s measured with a load average of 7-9 on 2 cores. */
const RABBITMQ_READY_TIMEOUT_MS = 90_000;
/** The AMQP 0-9-1 protocol header a client opens with; a broker answers with a method frame (type 1). */
const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);
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
 * greets with INFO, RabbitMQ answers the AMQP header with a method frame, mosquitto and
 * epmd accept the connection, Prometheus answers 200 on /-/ready (once it has loaded its
 * configuration and storage).
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
      if (kind === 'amqp') socket.write(AMQP_HEADER);
      if (kind === 'prometheus') socket.write(`GET /-/ready HTTP/1.0\r\nHost: ${HOST}:${port}\r\n\r\n`);
      if (kind === 'mqtt' || kind === 'epmd') done(true);
    });
    socket.on('data', (chunk) => {
      if (kind === 'amqp') return done(chunk[0] === 1);
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

/**
 * RabbitMQ: its own epmd first (in the foreground, on a free port, rather than the daemon the
 * broker would start on 4369 and leave behind), then the broker, told to use that epmd, with
 * its data, logs and Erlang cookie in the run's scratch folder. Both run in process groups of
 * their own (the broker's script starts the Erlang VM as a child), stopped as groups.
 */
const EPMD = {
  kind: 'epmd',
  binary: 'epmd',
  group: true,
  args: (port) => ['-port', String(port), '-address', HOST],
};
const RABBITMQ = {
  kind: 'amqp',
  binary: 'rabbitmq-server',
  env: 'HUD_TEST_RMQ_URL',
  scheme: 'amqp',
  group: true,
  readyTimeoutMs: RABBITMQ_READY_TIMEOUT_MS,
  args: () => [],
  childEnv: (port, dir, { epmdPort, distPort }) => {
    const home = join(dir, 'rabbitmq');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'enabled_plugins'), '[].\n');
    return {
      HOME: home,
      ERL_EPMD_PORT: String(epmdPort),
      RABBITMQ_NODENAME: `hud-test-${port}@localhost`,
      RABBITMQ_NODE_IP_ADDRESS: HOST,
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(home, 'mnesia'),
      RABBITMQ_LOG_BASE: join(home, 'log'),
      RABBITMQ_LOGS: '-',
      RABBITMQ_ENABLED_PLUGINS_FILE: join(home, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(home, 'rabbitmq'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(home, 'advanced.config'),
      RABBITMQ_SERVER_START_ARGS: '-start_epmd false',
    };
  },
};

/**
 * The broker script to run: Debian's /usr/sbin/rabbitmq-server is a wrapper that switches to
 * the `rabbitmq` user and the system's folders; the script beside the wrapper it links to
 * runs the broker as this user, with the settings above.
 */
function rabbitMqScript(path) {
  try {
    const real = realpathSync(path);
    return basename(real) === 'rabbitmq-script-wrapper' ? join(dirname(real), 'rabbitmq-server') : path;
  } catch {
    return path;
  }
}

/**
 * Whether a run of these compiled test files needs RabbitMQ: those that ask for its address
 * (`testService('HUD_TEST_RMQ_URL')`) do. The others (most quick runs of one file) do not pay
 * for its start.
 */
export function needsRabbitMq(testFiles) {
  return testFiles.some((file) => {
    try {
      return readFileSync(file, 'utf8').includes("testService('HUD_TEST_RMQ_URL')");
    } catch {
      return false;
    }
  });
}

const running = new Set();

// The last resort: whatever way this process ends, no server outlives it.
process.on('exit', () => {
  for (const child of running) signal(child, 'SIGKILL');
});

/** Signals a server: its whole process group when it runs in one. */
function signal(child, name) {
  try {
    if (child.hudGroup) process.kill(-child.pid, name);
    else child.kill(name);
  } catch {
    // already gone
  }
}

async function startServer(spec, path, dir, ports = {}) {
  const port = await freePort();
  const env = spec.childEnv === undefined ? process.env : { ...process.env, ...spec.childEnv(port, dir, ports) };
  const child = spawn(path, spec.args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'], env, detached: spec.group === true });
  child.hudGroup = spec.group === true;
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
  const readyTimeoutMs = spec.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const started = performance.now();
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await probe(spec.kind, port))) {
    if (exited || Date.now() > deadline) {
      signal(child, 'SIGKILL');
      throw new ProvisionError(
        `test/run.mjs: ${spec.binary} on ${HOST}:${port} ${exited ? 'exited' : `did not answer within ${readyTimeoutMs / 1000} s`}:\n${output.trim()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stop = async () => {
    if (exited) return;
    signal(child, 'SIGTERM');
    const timer = setTimeout(() => signal(child, 'SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
    // a group leader can end before the rest of its group: take the rest with it
    if (child.hudGroup) signal(child, 'SIGKILL');
  };
  const readySeconds = (performance.now() - started) / 1000;
  return { port, url: `${spec.scheme}://${HOST}:${port}`, pid: child.pid, stop, readySeconds };
}

/** epmd, then RabbitMQ on it; resolves with both (the broker last). */
async function startRabbitMq(binaries, dir, started) {
  const epmd = await startServer(EPMD, binaries.epmd, dir);
  started.push({ spec: EPMD, ...epmd });
  const broker = await startServer(RABBITMQ, rabbitMqScript(binaries['rabbitmq-server']), dir, {
    epmdPort: epmd.port,
    distPort: await freePort(),
  });
  started.push({ spec: RABBITMQ, ...broker });
}

/**
 * Installs what is missing (see provision.mjs), starts the servers side by side (RabbitMQ
 * only with `rabbitmq: true`) and resolves with the environment the tests read (`HUD_TEST_*`)
 * and `stop()`, which stops every server started. On any error it stops what it had started
 * before rethrowing.
 */
export async function startTestServices(env = process.env, { rabbitmq = true } = {}) {
  const binaries = await provision(env);
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-hud-services-'));
  const started = [];
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const starts = SERVERS.map(async (spec) => started.push({ spec, ...(await startServer(spec, binaries[spec.binary], dir)) }));
  if (rabbitmq) starts.push(startRabbitMq(binaries, dir, started));
  const failed = (await Promise.allSettled(starts)).find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  const serviceEnv = { HUD_TEST_CHROMIUM: binaries.chromium, HUD_TEST_PROMTOOL: binaries.promtool };
  for (const { spec, url } of started) if (spec.env !== undefined) Object.assign(serviceEnv, { [spec.env]: url }, spec.extraEnv?.(dir));
  const summary = started
    .filter(({ spec }) => spec.env !== undefined)
    .map(({ spec, url, pid, readySeconds }) => `${spec.binary} ${url} (pid ${pid}, ready in ${readySeconds.toFixed(1)} s)`)
    .join(', ');
  console.log(`test/run.mjs: started ${summary}`);
  return { env: serviceEnv, stop };
}

/**
 * Runs `body(env)` with the services up and stops them afterwards, whatever happens: the
 * body's result or error, Ctrl-C or SIGTERM. A ProvisionError's message is printed as it
 * is and the process exits 1, so a user sees the command to run, not a stack.
 */
export async function withTestServices(body, options = {}) {
  let services;
  const onSignal = (signal) => {
    void (services?.stop() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    services = await startTestServices(process.env, options);
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
