// Makes sure the programs the tests use are installed: Debian's redis-server, mosquitto,
// nats-server and rabbitmq-server with Erlang's epmd (real brokers on loopback), chromium
// (the inspector page in a real browser) and prometheus with its promtool (the fleet view and
// the shipped rules against a real server).
// What is missing is installed with apt-get when that can be done (root, apt-get on PATH):
// one `apt-get update`, then one `apt-get install -y <missing...>`. Where it cannot, the run
// stops at once with the exact command to run, instead of dozens of tests failing later.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { boundedSpawn } from './bounded-spawn.mjs';

/** Each program the tests need, and the Debian package it comes in. */
export const REQUIREMENTS = [
  { binary: 'redis-server', pkg: 'redis-server', use: 'Redis transport and BullMQ' },
  { binary: 'mosquitto', pkg: 'mosquitto', use: 'MQTT transport' },
  { binary: 'nats-server', pkg: 'nats-server', use: 'NATS transport' },
  { binary: 'chromium', pkg: 'chromium', use: 'the inspector page in a headless browser' },
  { binary: 'rabbitmq-server', pkg: 'rabbitmq-server', use: 'RabbitMQ transport' },
  { binary: 'epmd', pkg: 'erlang-base', use: "Erlang's port mapper, which RabbitMQ needs" },
  { binary: 'prometheus', pkg: 'prometheus', use: 'the fleet view and the rules file against a real Prometheus' },
  { binary: 'promtool', pkg: 'prometheus', use: 'checking and unit-testing the shipped Prometheus rules' },
];

// Debian puts mosquitto and nats-server in /usr/sbin, which a non-root PATH often lacks.
// HUD_TEST_EXTRA_BIN_DIRS replaces this list (the provisioning tests set it empty).
const DEFAULT_EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'].join(delimiter);
const UPDATE_TIMEOUT_MS = 5 * 60_000;
const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** A stop with a message for the user: run.mjs prints it and exits 1, without a stack. */
export class ProvisionError extends Error {}

function searchDirs(env) {
  const extra = env.HUD_TEST_EXTRA_BIN_DIRS ?? DEFAULT_EXTRA_DIRS;
  return [...(env.PATH ?? '').split(delimiter), ...extra.split(delimiter)].filter((dir) => dir.length > 0);
}

/** The path of an executable `name` on PATH (or in the sbin directories), else undefined. */
export function findBinary(name, env = process.env) {
  for (const dir of searchDirs(env)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

function findAll(env) {
  return Object.fromEntries(REQUIREMENTS.map(({ binary }) => [binary, findBinary(binary, env)]));
}

async function aptGet(aptPath, args, timeoutMs, env) {
  console.log(`test/run.mjs: apt-get ${args.join(' ')}`);
  const result = await boundedSpawn(aptPath, args, {
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    timeoutMs,
    capture: true,
  });
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new ProvisionError(
      `test/run.mjs: apt-get ${args.join(' ')} ${result.timedOut ? 'timed out' : `failed (exit ${result.code})`}:\n${output}`,
    );
  }
}

/**
 * Finds every program of REQUIREMENTS, installing the missing ones with apt-get when it can.
 * Resolves with `{ [binary]: path }`; throws a ProvisionError (with the command the user
 * must run) when something is missing and cannot be installed here.
 */
export async function provision(env = process.env) {
  const found = findAll(env);
  const missing = REQUIREMENTS.filter(({ binary }) => found[binary] === undefined);
  if (missing.length === 0) return found;

  const packages = [...new Set(missing.map(({ pkg }) => pkg))];
  const apt = findBinary('apt-get', env);
  const isRoot = process.getuid?.() === 0;
  const list = missing.map(({ binary, use }) => `  ${binary} (${use})`).join('\n');
  if (apt === undefined || !isRoot) {
    const why = apt === undefined ? 'there is no apt-get on PATH' : 'installing needs root';
    const command = `${isRoot ? '' : 'sudo '}apt-get update && ${isRoot ? '' : 'sudo '}apt-get install -y ${packages.join(' ')}`;
    throw new ProvisionError(
      `test/run.mjs: the tests need programs that are not installed, and ${why}:\n${list}\n` +
        `Install them, then run the tests again:\n  ${command}` +
        (apt === undefined ? '\n(or the same Debian packages with your system\'s package manager)' : ''),
    );
  }

  for (const { binary, use } of missing) console.log(`test/run.mjs: ${binary} is missing (${use}): installing it with apt-get`);
  await aptGet(apt, ['update'], UPDATE_TIMEOUT_MS, env);
  await aptGet(apt, ['install', '-y', ...packages], INSTALL_TIMEOUT_MS, env);
  const after = findAll(env);
  const still = missing.filter(({ binary }) => after[binary] === undefined).map(({ binary }) => binary);
  if (still.length > 0) {
    throw new ProvisionError(`test/run.mjs: apt-get install -y ${packages.join(' ')} succeeded, but ${still.join(', ')} still cannot be found`);
  }
  return after;
}
