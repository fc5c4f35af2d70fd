/** Settings of `npm run bench`, from flags (`--rounds=3`) or environment (`BENCH_ROUNDS=3`). */
export interface BenchConfig {
  /** Node binary that runs the servers (BENCH_NODE); the load generator runs on this process's node. */
  node: string;
  rounds: number;
  warmupSeconds: number;
  durationSeconds: number;
  connections: number;
  /** Variant names to run (default: all). */
  variants: string[] | undefined;
  platforms: Array<'fastify' | 'express'>;
  /** Extra node flags for the servers, e.g. `--cpu-prof --cpu-prof-dir=bench/profiles`. */
  serverArgs: string[];
  /** Whether to run the micro-benchmarks first (BENCH_MICRO=0 skips them). */
  micro: boolean;
  /** Where the JSON goes; default bench/results.json on Node 20, bench/results-node<major>.json otherwise. */
  out: string | undefined;
  /**
   * Another built checkout (e.g. the previous release) whose servers run the variants named
   * `<variant>@base`, in the same interleaved rounds as this tree's: the way to compare two
   * versions on a noisy machine.
   */
  baseline: string | undefined;
}

function setting(name: string, argv: readonly string[]): string | undefined {
  const flag = argv.find((arg) => arg.startsWith(`--${name}=`));
  if (flag !== undefined) return flag.slice(name.length + 3);
  return process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`bench: ${name} must be a positive number, got "${value}"`);
  return parsed;
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

export function readBenchConfig(argv: readonly string[] = process.argv.slice(2)): BenchConfig {
  const platforms = (list(setting('platforms', argv)) ?? ['fastify', 'express']) as BenchConfig['platforms'];
  for (const platform of platforms) {
    if (platform !== 'fastify' && platform !== 'express') throw new Error(`bench: unknown platform "${platform}"`);
  }
  return {
    node: setting('node', argv) || process.execPath,
    rounds: Math.round(positiveNumber('rounds', setting('rounds', argv), 5)),
    warmupSeconds: positiveNumber('warmup', setting('warmup', argv), 2),
    durationSeconds: positiveNumber('duration', setting('duration', argv), 5),
    connections: Math.round(positiveNumber('connections', setting('connections', argv), 50)),
    variants: list(setting('variants', argv)),
    platforms,
    serverArgs: (setting('server-args', argv) ?? '').split(' ').filter(Boolean),
    micro: setting('micro', argv) !== '0',
    out: setting('out', argv),
    baseline: setting('baseline', argv) || undefined,
  };
}
