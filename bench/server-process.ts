/**
 * The processes a benchmark drives: a variant's server (this tree's, or the baseline
 * checkout's for `<variant>@base`) and the load generator, and the IPC exchanges with them.
 * Shared by `run.ts` (one server at a time) and `paired.ts` (several at once).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchConfig } from './bench.config.js';
import type { LoadRequest, LoadResult, ServerSample } from './protocol.js';

const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));
const LOADER = fileURLToPath(new URL('./load.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;
export const BASE_SUFFIX = '@base';

/** The server script for a variant: this tree's, or the baseline checkout's for `<variant>@base`. */
export function serverOf(config: BenchConfig, variant: string): { script: string; variant: string } {
  if (!variant.endsWith(BASE_SUFFIX)) return { script: SERVER, variant };
  if (config.baseline === undefined) throw new Error(`bench: variant "${variant}" needs --baseline=DIR`);
  return { script: resolve(config.baseline, '.build/bench/server.js'), variant: variant.slice(0, -BASE_SUFFIX.length) };
}

/** Waits for the next message of `type` from `child`, or fails after `timeoutMs`. */
export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "${type}" message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: { type: string; error?: string }) => {
      if (message.type === type) done(undefined, message as T);
      else if (message.type === 'failed' || message.type === 'error') done(new Error(message.error));
    };
    const onExit = (code: number | null) => done(new Error(`process exited (${code}) while waiting for "${type}"`));
    function done(error?: Error, message?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as T);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export async function sample(server: ChildProcess): Promise<ServerSample> {
  const reply = nextMessage<ServerSample>(server, 'sample', 10_000);
  server.send({ type: 'sample' });
  return reply;
}

export async function load(loader: ChildProcess, request: Omit<LoadRequest, 'type'>): Promise<LoadResult> {
  const reply = nextMessage<LoadResult>(loader, 'result', (request.durationSeconds + 30) * 1000);
  loader.send({ type: 'load', ...request });
  return reply;
}

export async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.send({ type: 'stop' });
  const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}


/**
 * Starts the server of `variant` on `platform` and waits until it listens. A server that
 * does not get there is stopped before the error is passed on, so none is left behind.
 */
export async function startServer(config: BenchConfig, variant: string, platform: string): Promise<{ server: ChildProcess; port: number }> {
  const served = serverOf(config, variant);
  const server = fork(served.script, [], {
    execPath: config.node,
    execArgv: config.serverArgs,
    env: { ...process.env, BENCH_VARIANT: served.variant, BENCH_PLATFORM: platform },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const { port } = await nextMessage<{ port: number }>(server, 'ready', START_TIMEOUT_MS);
    return { server, port };
  } catch (error) {
    await stop(server);
    throw error;
  }
}

/** A load generator process (autocannon), driven with `load`. */
export function startLoader(): ChildProcess {
  return fork(LOADER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
