import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/** The Redis server the tests use: loopback only. */
export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

/** Answers whether a Redis server replies to PING on 127.0.0.1:6379 within `timeoutMs`. */
export function pingRedis(timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: REDIS_HOST, port: REDIS_PORT });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

let ready: Promise<void> | undefined;

async function startLocalRedis(): Promise<void> {
  const started = spawnSync(
    'redis-server',
    ['--bind', REDIS_HOST, '--port', String(REDIS_PORT), '--save', '', '--appendonly', 'no', '--daemonize', 'yes'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (started.error !== undefined || started.status !== 0) {
    throw new Error(
      `Redis is not running on ${REDIS_HOST}:${REDIS_PORT} and redis-server could not be started ` +
        `(${started.error?.message ?? started.stderr.trim()}). Install it (apt-get install redis-server) or start it: ` +
        `redis-server --bind ${REDIS_HOST} --port ${REDIS_PORT} --save '' --appendonly no --daemonize yes`,
    );
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await pingRedis(200)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server was started but does not answer on ${REDIS_HOST}:${REDIS_PORT} after 5 s`);
}

/**
 * Makes sure a Redis server answers on 127.0.0.1:6379 before a test that needs one, and
 * throws when none can be had: such tests fail loudly, they are never skipped.
 *
 * - With `CI=true` it only checks: `.ci/run` installs and starts redis-server.
 * - On a developer's machine it starts `redis-server` on loopback (no persistence,
 *   daemonized, left running for the next run) when none answers. Other test runs may
 *   share that server at the same time: use `uniqueName()` for every channel or pattern.
 */
export function ensureRedis(): Promise<void> {
  ready ??= (async () => {
    if (await pingRedis()) return;
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but no Redis answers on ${REDIS_HOST}:${REDIS_PORT}: .ci/run must start redis-server`);
    }
    await startLocalRedis();
  })();
  return ready;
}

/** `prefix` with a random suffix, so that parallel runs sharing one Redis never meet. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
