import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { hostAndPort } from './test-services.js';

/** The Redis server test/run.mjs started for this run (127.0.0.1, a port of its own). */
export function redisAddress(): { host: string; port: number } {
  return hostAndPort('HUD_TEST_REDIS_URL');
}

/** Answers whether the run's Redis server replies to PING within `timeoutMs`. */
function pingRedis({ host, port }: { host: string; port: number }, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
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

/**
 * Resolves with the run's Redis address once it answers PING, and throws a clear error
 * when there is none: tests that need Redis fail loudly, they are never skipped. The
 * server is shared by every file of the run (and by the Node 20 and 24 runs): use
 * `uniqueName()` for every channel, pattern, queue or prefix.
 */
export async function requireRedis(): Promise<{ host: string; port: number }> {
  const address = redisAddress();
  if (!(await pingRedis(address))) {
    throw new Error(`HUD_TEST_REDIS_URL is redis://${address.host}:${address.port}, but no Redis answers PING there (did test/run.mjs stop?)`);
  }
  return address;
}

/** `prefix` with a random suffix, so that parallel runs sharing one Redis never meet. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
