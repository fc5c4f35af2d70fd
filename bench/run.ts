/**
 * `npm run bench`: serves GET /hello in every variant (bench/app/variants.ts), each in a fresh
 * process, on Fastify and Express, and loads it with autocannon from a separate process on
 * 127.0.0.1. Rounds are interleaved (every variant once per round). For each run it records
 * req/s, p99 and the server's own CPU time per request (process.cpuUsage() read over IPC
 * before and after the measured window), then prints the table and writes the JSON.
 *
 * Settings: --rounds= --warmup= --duration= --connections= --variants=a,b --platforms=
 * --node=/path/to/node --server-args="--cpu-prof" --micro=0 --out=file --baseline=DIR (or BENCH_ROUNDS,
 * ... BENCH_NODE). With --baseline=DIR (another checkout, built with `npm run build:all`), a variant
 * named `<variant>@base` runs DIR's server, so two versions are compared within the same rounds.
 * `node .build/bench/report.js <results.json>` prints a results file again.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_HEADERS } from './app/bench-headers.js';
import { VARIANTS } from './app/variants.js';
import { readBenchConfig, type BenchConfig } from './bench.config.js';
import { machineInfo } from './machine.js';
import { formatMicro, type MicroResult } from './micro.js';
import { BASE_SUFFIX, load, nextMessage, sample, serverOf, startLoader, startServer, stop } from './server-process.js';
import { checkTargets, featureCosts, formatTable, formatTargets, summarize, type Measurement } from './summary.js';

const MICRO = fileURLToPath(new URL('./micro.js', import.meta.url));
async function measure(config: BenchConfig, loader: ChildProcess, variant: string, platform: string, round: number): Promise<Measurement> {
  const { server, port } = await startServer(config, variant, platform);
  try {
    const base = { url: `http://127.0.0.1:${port}/hello`, connections: config.connections, headers: { ...BENCH_HEADERS } };
    await load(loader, { ...base, durationSeconds: config.warmupSeconds });
    const before = await sample(server);
    const result = await load(loader, { ...base, durationSeconds: config.durationSeconds });
    const after = await sample(server);
    const cpuMicros = after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
    return {
      round,
      variant,
      platform,
      requests: result.requests,
      requestsPerSecond: result.requestsPerSecond,
      latencyP99: result.latencyP99,
      cpuMicros,
      cpuMicrosPerRequest: cpuMicros / result.requests,
      errors: result.errors,
      non2xx: result.non2xx,
      statusCodes: result.statusCodes,
      rssAfter: after.rss,
      extra: after.extra,
    };
  } finally {
    await stop(server);
  }
}

/** The micro-benchmarks, in their own process on the servers' Node. */
async function micro(config: BenchConfig): Promise<MicroResult[]> {
  const child = fork(MICRO, [], { execPath: config.node, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { results } = await nextMessage<{ results: MicroResult[] }>(child, 'micro', 300_000);
  return results;
}

/** The commit measured, and whether lib/ or bench/ differed from it. */
function measuredTree(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'bench'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} with uncommitted changes in lib/ or bench/` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** The commit of the baseline checkout, for the results file. */
function baselineTree(dir: string): string {
  try {
    return `${dir} at ${execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()}`;
  } catch {
    return dir;
  }
}

/** Every (variant, platform) pair once per round, started at a different place each round. */
function schedule(variants: readonly string[], platforms: readonly string[], round: number): Array<[string, string]> {
  const pairs = platforms.flatMap((platform) => variants.map((variant) => [variant, platform] as [string, string]));
  const shift = Math.floor((round * pairs.length) / 3) % pairs.length;
  return [...pairs.slice(shift), ...pairs.slice(0, shift)];
}

async function main(): Promise<void> {
  const config = readBenchConfig();
  const variants = config.variants ?? VARIANTS.map((v) => v.name);
  for (const name of variants) {
    const own = name.endsWith(BASE_SUFFIX) ? name.slice(0, -BASE_SUFFIX.length) : name;
    if (!VARIANTS.some((v) => v.name === own)) throw new Error(`bench: unknown variant "${name}"`);
    const { script } = serverOf(config, name);
    if (!existsSync(script)) throw new Error(`bench: ${script} is missing (run npm run build:all in ${config.baseline})`);
  }
  const machine = machineInfo(config.node);
  const major = Number(/^v(\d+)/.exec(machine.node)?.[1]);
  const out = config.out ?? (major === 20 ? 'bench/results.json' : `bench/results-node${major}.json`);
  const runs = config.rounds * variants.length * config.platforms.length;
  const estimate = Math.round((runs * (config.warmupSeconds + config.durationSeconds + 1.5)) / 60);
  console.error(`bench: ${runs} runs on node ${machine.node} (${machine.cpu}, ${machine.cores} cores), about ${estimate} min`);

  console.error('bench: micro-benchmarks first');
  const microResults = config.micro ? await micro(config) : [];
  const loader = startLoader();
  const measurements: Measurement[] = [];
  const startedAt = Date.now();
  try {
    for (let round = 0; round < config.rounds; round++) {
      for (const [variant, platform] of schedule(variants, config.platforms, round)) {
        const m = await measure(config, loader, variant, platform, round);
        measurements.push(m);
        console.error(
          `round ${round + 1}/${config.rounds} ${platform.padEnd(7)} ${variant.padEnd(17)} ` +
            `${Math.round(m.requestsPerSecond).toString().padStart(6)} req/s  p99 ${m.latencyP99} ms  ` +
            `${m.cpuMicrosPerRequest.toFixed(1)} µs CPU/req${m.errors ? `  errors ${m.errors}` : ''}`,
        );
      }
    }
  } finally {
    loader.disconnect();
  }

  const rows = summarize(measurements, variants, config.platforms);
  const targets = checkTargets(measurements, config.platforms);
  const costs = featureCosts(measurements, variants, config.platforms);
  const table = formatTable(rows);
  console.log(`\nnode ${machine.node} · ${machine.cpu} × ${machine.cores} · ${config.connections} connections · ` +
    `${config.warmupSeconds} s warm-up + ${config.durationSeconds} s × ${config.rounds} rounds\n`);
  console.log(table);
  console.log(`\n${formatTargets(targets)}`);
  if (costs.length > 0) console.log(`\n${formatTargets(costs)}`);
  if (microResults.length > 0) console.log(`\n${formatMicro(microResults)}`);
  const hudError = measurements.filter((m) => m.variant === 'hud-error');
  if (hudError.length > 0) {
    console.log(`\nhud-error pipeline (last run per platform): ` +
      config.platforms.map((p) => `${p} ${JSON.stringify(hudError.filter((m) => m.platform === p).at(-1)?.extra)}`).join('; '));
  }

  writeFileSync(
    out,
    JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        command: `npm run bench${config.node === process.execPath ? '' : ` (BENCH_NODE=${relative(process.cwd(), config.node)})`}`,
        measuredTree: measuredTree(),
        settings: { ...config, node: machine.node, variants },
        machine,
        elapsedSeconds: Math.round((Date.now() - startedAt) / 1000),
        variants: VARIANTS.filter((v) => variants.includes(v.name)).map(({ name, description }) => ({ name, description })),
        summary: rows,
        targets,
        costs,
        baseline: config.baseline === undefined ? undefined : baselineTree(config.baseline),
        table,
        micro: microResults,
        microTable: microResults.length > 0 ? formatMicro(microResults) : undefined,
        measurements,
      },
      null,
      2,
    ) + '\n',
  );
  console.error(`\nbench: wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
