import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

/**
 * Fails loudly (never skips) when the Redis server the tests need is not running on
 * 127.0.0.1:6379. `.ci/run` starts one.
 */
export async function requireRedis(): Promise<void> {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const answer = await client.ping();
    if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
  } catch (error) {
    throw new Error(
      `These tests need a Redis server on ${REDIS_HOST}:${REDIS_PORT} (start one with: redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes): ${String(error)}`,
    );
  } finally {
    client.disconnect();
  }
}

/** A name no other test run on the shared Redis uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
