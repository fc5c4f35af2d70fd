// What `npm test` does on a machine without the services the tests need: tested with a fake
// PATH (a temp folder of tiny scripts), so nothing is ever installed and no real server is
// started. The fake servers listen on the port they are given and answer the runner's
// readiness probes; the fake apt-get records its arguments and "installs" fake servers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const RUN = join(ROOT, 'test', 'run.mjs');
const SERVICES = join(ROOT, 'test', 'runner', 'services.mjs');
const ALL_PACKAGES = 'redis-server mosquitto nats-server chromium rabbitmq-server erlang-base prometheus';
/** Every program, as each package installs it (erlang-base brings epmd, prometheus promtool). */
const ALL_PROGRAMS = ['redis-server', 'mosquitto', 'nats-server', 'chromium', 'rabbitmq-server', 'epmd', 'prometheus', 'promtool'];
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/**
 * A fake server: listens on its port, answers Redis' PING, greets like NATS, answers the
 * AMQP header like RabbitMQ, is ready like Prometheus; logs its pid, its arguments, the
 * RabbitMQ/Erlang variables and Prometheus' configuration.
 */
const FAKE_SERVER = String.raw`
const { appendFileSync, readFileSync } = require('node:fs');
const { createServer } = require('node:net');
const [name, ...args] = process.argv.slice(2);
const after = (flag) => args[args.indexOf(flag) + 1];
const port = name === 'redis-server' ? after('--port')
  : name === 'nats-server' ? after('-p')
  : name === 'epmd' ? after('-port')
  : name === 'rabbitmq-server' ? process.env.RABBITMQ_NODE_PORT
  : name === 'prometheus' ? args.find((a) => a.startsWith('--web.listen-address=')).split(':').pop()
  : /listener (\d+)/.exec(readFileSync(after('-c'), 'utf8'))[1];
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('RABBITMQ_') || k === 'ERL_EPMD_PORT'));
// the configuration is written in the run's scratch folder, gone once the run ends: logged here
const config = name === 'prometheus' ? readFileSync(args.find((a) => a.startsWith('--config.file=')).slice(14), 'utf8') : undefined;
appendFileSync(process.env.FAKE_LOG, JSON.stringify({ started: name, pid: process.pid, args, env, config }) + '\n');
createServer((socket) => {
  if (name === 'nats-server') socket.write('INFO {}\r\n');
  socket.on('data', (chunk) => {
    if (String(chunk).startsWith('PING')) socket.write('+PONG\r\n');
    if (String(chunk).startsWith('AMQP')) socket.write(Buffer.from([1, 0, 0, 0, 0, 0, 0]));
    if (String(chunk).startsWith('GET /-/ready ')) socket.end('HTTP/1.0 200 OK\r\n\r\nready');
  });
  socket.on('error', () => {});
}).listen(Number(port), '127.0.0.1');
`;

/** A fake apt-get: records its arguments; `install` puts a package's fake programs on PATH. */
const FAKE_APT = String.raw`
const { appendFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const args = process.argv.slice(2);
appendFileSync(process.env.FAKE_APT_LOG, JSON.stringify(args) + '\n');
const programOf = { 'erlang-base': 'epmd' };
if (args[0] === 'install') for (const pkg of args.slice(1).filter((a) => !a.startsWith('-'))) {
  const programs = pkg === 'prometheus' ? ['prometheus', 'promtool'] : [programOf[pkg] ?? pkg];
  for (const program of programs) {
    writeFileSync(join(process.env.FAKE_BIN, program), process.env['FAKE_SCRIPT_' + program.replace('-', '_')], { mode: 0o755 });
  }
}
`;

interface FakeMachine {
  bin: string;
  serverLog: string;
  aptLog: string;
  env: NodeJS.ProcessEnv;
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder as the whole PATH, holding fakes of `installed` (and apt-get when asked). */
function fakeMachine(installed: string[], withApt: boolean): FakeMachine {
  const dir = mkdtempSync(join(tmpdir(), 'hud-fake-path-'));
  dirs.push(dir);
  chmodSync(dir, 0o755); // readable by the non-root user some tests run as
  const bin = join(dir, 'bin');
  const serverLog = join(dir, 'servers.log');
  const aptLog = join(dir, 'apt.log');
  writeFileSync(join(dir, 'fake-server.cjs'), FAKE_SERVER);
  writeFileSync(join(dir, 'fake-apt.cjs'), FAKE_APT);
  const script = (name: string) =>
    name === 'chromium' || name === 'promtool'
      ? '#!/bin/sh\nexit 0\n'
      : `#!/bin/sh\nexec '${process.execPath}' '${join(dir, 'fake-server.cjs')}' ${name} "$@"\n`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: bin,
    HUD_TEST_EXTRA_BIN_DIRS: '', // do not find the machine's real /usr/sbin/mosquitto
    FAKE_LOG: serverLog,
    FAKE_APT_LOG: aptLog,
    FAKE_BIN: bin,
  };
  for (const name of ALL_PROGRAMS) env[`FAKE_SCRIPT_${name.replace('-', '_')}`] = script(name);
  writeFileSync(serverLog, '');
  mkdirSync(bin, { mode: 0o755 });
  for (const name of installed) writeFileSync(join(bin, name), script(name), { mode: 0o755 });
  if (withApt) writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\nexec '${process.execPath}' '${join(dir, 'fake-apt.cjs')}' "$@"\n`, { mode: 0o755 });
  return { bin, serverLog, aptLog, env };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * Runs `node <args>` in the repo with `env`, bounded: killed after `timeoutMs`. `onStdout`
 * sees the output as it comes (to signal the process at the right moment).
 */
function runNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { uid?: number; timeoutMs?: number; onStdout?: (text: string, pid: number) => void } = {},
): Promise<Run> {
  const started = performance.now();
  return new Promise((resolvePromise) => {
    const ids = options.uid === undefined ? {} : { uid: options.uid, gid: options.uid };
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], ...ids });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child.pid!);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

interface StartedServer {
  started: string;
  pid: number;
  args: string[];
  env: Record<string, string>;
  /** Prometheus' configuration file, as it was when it started. */
  config?: string;
}

function startedServers(machine: FakeMachine): StartedServer[] {
  return readFileSync(machine.serverLog, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as StartedServer);
}

function aptCalls(machine: FakeMachine): string[][] {
  if (!existsSync(machine.aptLog)) return [];
  return readFileSync(machine.aptLog, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as string[]);
}

/** Whether `pid` still runs (a zombie waiting for its parent to reap it does not). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits (bounded) until none of `pids` runs; returns those still running after 10 s. */
async function stillRunning(pids: number[]): Promise<number[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const alive = pids.filter(isRunning);
    if (alive.length === 0) return [];
    await new Promise((r) => setTimeout(r, 100));
  }
  return pids.filter(isRunning);
}

const command = (sudo: boolean) =>
  `${sudo ? 'sudo ' : ''}apt-get update && ${sudo ? 'sudo ' : ''}apt-get install -y ${ALL_PACKAGES}`;

describe('npm test on a machine without the services the tests need (fake PATH)', () => {
  it('without apt-get: stops within seconds, before any test, with the exact command to run', async () => {
    const machine = fakeMachine([], false);
    const run = await runNode([RUN, 'http-forensics'], machine.env);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(`\n  ${command(!isRoot)}\n`), run.stderr);
    assert.match(run.stderr, /there is no apt-get on PATH/);
    assert.doesNotMatch(run.stdout, /=== suite/, 'no test file ran');
    assert.deepEqual(startedServers(machine), []);
    assert.ok(run.seconds < 30, `took ${run.seconds} s`); // "within seconds", with a wide margin for a loaded machine
  });

  it('not root, with apt-get: does not try to install, and prints the command with sudo', async () => {
    const machine = fakeMachine(['redis-server'], true);
    // as root, the same run as the unprivileged user `nobody`
    const run = await runNode([RUN, 'http-forensics'], machine.env, isRoot ? { uid: NOBODY } : {});
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes('\n  sudo apt-get update && sudo apt-get install -y mosquitto nats-server chromium rabbitmq-server erlang-base prometheus\n'), run.stderr);
    assert.match(run.stderr, /installing needs root/);
    assert.match(run.stderr, /mosquitto \(MQTT transport\)/, 'says what each missing program is for');
    assert.deepEqual(aptCalls(machine), []);
    assert.ok(run.seconds < 30, `took ${run.seconds} s`);
  });

  it('as root with apt-get: one update, one install of exactly the missing packages, then the servers start and their addresses reach the tests', async () => {
    const machine = fakeMachine(['redis-server', 'chromium'], true);
    const printEnv = `console.log('ENV ' + JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('HUD_TEST_') && k !== 'HUD_TEST_EXTRA_BIN_DIRS'))))`;
    const run = await runNode([SERVICES, '--', process.execPath, '-e', printEnv], machine.env);
    if (!isRoot) {
      // this user cannot install: the same refusal as above, and apt-get is never called
      assert.equal(run.code, 1);
      assert.deepEqual(aptCalls(machine), []);
      return;
    }
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.deepEqual(
      aptCalls(machine),
      [['update'], ['install', '-y', 'mosquitto', 'nats-server', 'rabbitmq-server', 'erlang-base', 'prometheus']],
      'prometheus once, for both of its programs',
    );
    assert.match(run.stdout, /^test\/run\.mjs: mosquitto is missing \(MQTT transport\): installing it with apt-get$/m);
    assert.match(run.stdout, /^test\/run\.mjs: nats-server is missing \(NATS transport\): installing it with apt-get$/m);
    assert.match(run.stdout, /^test\/run\.mjs: promtool is missing \(checking and unit-testing the shipped Prometheus rules\): installing it with apt-get$/m);
    assert.doesNotMatch(run.stdout, /redis-server is missing/);

    const servers = startedServers(machine);
    assert.deepEqual(servers.map((s) => s.started).sort(), ['epmd', 'mosquitto', 'nats-server', 'prometheus', 'rabbitmq-server', 'redis-server']);
    const env = JSON.parse(/^ENV (.*)$/m.exec(run.stdout)![1]) as Record<string, string>;
    const redis = servers.find((s) => s.started === 'redis-server')!;
    const port = redis.args[redis.args.indexOf('--port') + 1];
    assert.equal(env.HUD_TEST_REDIS_URL, `redis://127.0.0.1:${port}`);
    assert.deepEqual(redis.args.slice(redis.args.indexOf('--bind'), redis.args.indexOf('--bind') + 6), ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    assert.match(env.HUD_TEST_MQTT_URL, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    assert.match(env.HUD_TEST_NATS_URL, /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(env.HUD_TEST_CHROMIUM, join(machine.bin, 'chromium'));
    // RabbitMQ on its own epmd, both on free ports of 127.0.0.1, its files in the run's scratch folder
    const epmd = servers.find((s) => s.started === 'epmd')!;
    const rabbit = servers.find((s) => s.started === 'rabbitmq-server')!;
    assert.deepEqual(epmd.args.slice(0, 1).concat(epmd.args.slice(2)), ['-port', '-address', '127.0.0.1']);
    assert.equal(rabbit.env.ERL_EPMD_PORT, epmd.args[1], 'the broker uses the epmd started for it');
    assert.equal(env.HUD_TEST_RMQ_URL, `amqp://127.0.0.1:${rabbit.env.RABBITMQ_NODE_PORT}`);
    assert.equal(rabbit.env.RABBITMQ_NODE_IP_ADDRESS, '127.0.0.1');
    assert.equal(rabbit.env.RABBITMQ_SERVER_START_ARGS, '-start_epmd false', 'no epmd daemon of its own');
    assert.ok(rabbit.env.RABBITMQ_MNESIA_BASE?.startsWith(tmpdir()), rabbit.env.RABBITMQ_MNESIA_BASE);
    const prometheus = servers.find((s) => s.started === 'prometheus')!;
    const listen = prometheus.args.find((a) => a.startsWith('--web.listen-address='));
    assert.equal(`--web.listen-address=${new URL(env.HUD_TEST_PROMETHEUS_URL).host}`, listen);
    assert.match(env.HUD_TEST_PROMETHEUS_URL, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(env.HUD_TEST_PROMTOOL, join(machine.bin, 'promtool'));
    const config = prometheus.config!;
    assert.match(config, /scrape_interval: 1s/);
    assert.match(config, /evaluation_interval: 1s/);
    assert.ok(config.includes(JSON.stringify(join(env.HUD_TEST_PROMETHEUS_TARGETS, '*.json'))), 'scrapes the targets tests write');
    assert.ok(config.includes(JSON.stringify(join(env.HUD_TEST_PROMETHEUS_RULES, '*.yml'))), 'evaluates the rules tests write');
    assert.deepEqual(await stillRunning(servers.map((s) => s.pid)), [], 'every server is stopped when the run ends');
  });

  it('stops every server it started when the tests fail, and on SIGTERM', async () => {
    const installed = ALL_PROGRAMS;
    const failing = fakeMachine(installed, false);
    const failed = await runNode([SERVICES, '--', process.execPath, '-e', 'process.exit(3)'], failing.env);
    assert.equal(failed.code, 3, 'the command’s exit code is the run’s');
    const failedServers = startedServers(failing);
    assert.equal(failedServers.length, 6);
    assert.deepEqual(await stillRunning(failedServers.map((s) => s.pid)), []);

    const stopped = fakeMachine(installed, false);
    let signalled = false;
    let commandPid = 0;
    const hold = `console.log('COMMAND ' + process.pid); setTimeout(() => {}, 60000)`;
    await runNode([SERVICES, '--', process.execPath, '-e', hold], stopped.env, {
      onStdout: (text, pid) => {
        const match = /^COMMAND (\d+)$/m.exec(text);
        if (match && !signalled) {
          signalled = true;
          commandPid = Number(match[1]);
          process.kill(pid, 'SIGTERM');
        }
      },
    });
    assert.ok(signalled, 'the command ran');
    const servers = startedServers(stopped);
    assert.equal(servers.length, 6);
    assert.deepEqual(await stillRunning([...servers.map((s) => s.pid), commandPid]), [], 'servers and the running command are gone');
  });
});
