/**
 * The load generator: a separate process running autocannon against one server, so that
 * the server's CPU time is its own. Started once by `run.ts`, driven over IPC.
 */
import { createRequire } from 'node:module';
import type { LoadRequest, LoadResult } from './protocol.js';

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p99: number };
  requests: { total: number };
}
type Autocannon = (options: Record<string, unknown>, callback: (error: Error | null, result: AutocannonResult) => void) => unknown;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function load(request: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: request.url, connections: request.connections, duration: request.durationSeconds, headers: request.headers },
      (error, result) => {
        if (error) return reject(error);
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
        resolve({
          type: 'result',
          requests: result.requests.total,
          durationSeconds: result.duration,
          requestsPerSecond: result.requests.total / result.duration,
          latencyP50: result.latency.p50,
          latencyP99: result.latency.p99,
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          statusCodes,
        });
      },
    );
  });
}

process.on('message', (request: LoadRequest) => {
  if (request.type !== 'load') return;
  load(request).then(
    (result) => process.send?.(result),
    (error: unknown) => process.send?.({ type: 'error', error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
