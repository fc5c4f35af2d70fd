/**
 * `npm run bench:paired -- --variants=ref,a,b`: the variants' servers run side by side, under
 * load at the same moment, each from its own load generator; per round, each one's CPU µs per
 * request is divided by the reference's (the first variant) over the same window. What the
 * shared machine does meanwhile (another tenant, a frequency change) hits every server of a
 * round alike, so these ratios are far steadier than ratios of runs made one after another,
 * which is what `run.ts` does. The reference also runs a second time as a control: its ratio
 * shows how far apart two identical servers come out (the resolution of the run).
 *
 * Settings as in `run.ts` (--rounds, --warmup, --duration, --connections shared by the servers
 * of a round, --platforms, --node, --baseline for `<variant>@base`); --out (default
 * bench/results-paired-node<major>.json).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { BENCH_HEADERS } from './app/bench-headers.js';
import { readBenchConfig, type BenchConfig } from './bench.config.js';
import { machineInfo } from './machine.js';
import { load, sample, startLoader, startServer, stop } from './server-process.js';
import { median } from './summary.js';

const CONTROL = ' (control)';

interface PairedRound {
  platform: string;
  round: number;
  /** CPU µs per request of each server, by label. */
  cpuMicrosPerRequest: Record<string, number>;
  requests: Record<string, number>;
}

async function measureRound(config: BenchConfig, labels: readonly string[], platform: string, round: number): Promise<PairedRound> {
  const variantOf = (label: string) => (label.endsWith(CONTROL) ? label.slice(0, -CONTROL.length) : label);
  const servers: Array<{ server: ChildProcess; port: number }> = [];
  const loaders: ChildProcess[] = [];
  try {
    for (const label of labels) {
      servers.push(await startServer(config, variantOf(label), platform));
      loaders.push(startLoader());
    }
    const connections = Math.max(1, Math.round(config.connections / labels.length));
    const request = (port: number, durationSeconds: number) => ({
      url: `http://127.0.0.1:${port}/hello`,
      connections,
      durationSeconds,
      headers: { ...BENCH_HEADERS },
    });
    await Promise.all(servers.map(({ port }, i) => load(loaders[i]!, request(port, config.warmupSeconds))));
    const before = await Promise.all(servers.map(({ server }) => sample(server)));
    const results = await Promise.all(servers.map(({ port }, i) => load(loaders[i]!, request(port, config.durationSeconds))));
    const after = await Promise.all(servers.map(({ server }) => sample(server)));
    const cpuMicrosPerRequest: Record<string, number> = {};
    const requests: Record<string, number> = {};
    labels.forEach((label, i) => {
      const cpu = after[i]!.cpu.user + after[i]!.cpu.system - (before[i]!.cpu.user + before[i]!.cpu.system);
      cpuMicrosPerRequest[label] = cpu / results[i]!.requests;
      requests[label] = results[i]!.requests;
    });
    return { platform, round, cpuMicrosPerRequest, requests };
  } finally {
    for (const loader of loaders) loader.disconnect();
    await Promise.all(servers.map(({ server }) => stop(server)));
  }
}

async function main(): Promise<void> {
  const config = readBenchConfig(process.argv.slice(2));
  const variants = config.variants ?? [];
  if (variants.length < 2) throw new Error('bench:paired: give at least two variants, the reference first: --variants=ref,other');
  const reference = variants[0]!;
  const labels = [reference, `${reference}${CONTROL}`, ...variants.slice(1)];
  const machine = machineInfo(config.node);
  console.error(`bench:paired: ${labels.length} servers at once, ${config.rounds} rounds per platform, node ${machine.node}`);
  const rounds: PairedRound[] = [];
  for (const platform of config.platforms) {
    for (let round = 0; round < config.rounds; round++) {
      const measured = await measureRound(config, labels, platform, round);
      rounds.push(measured);
      console.error(
        `round ${round + 1}/${config.rounds} ${platform.padEnd(7)} ` +
          labels.map((label) => `${label} ${measured.cpuMicrosPerRequest[label]!.toFixed(1)} µs`).join(' · '),
      );
    }
  }
  const summary = config.platforms.flatMap((platform) =>
    labels.map((label) => {
      const mine = rounds.filter((r) => r.platform === platform);
      const ratios = mine.map((r) => r.cpuMicrosPerRequest[label]! / r.cpuMicrosPerRequest[reference]!);
      return {
        platform,
        variant: label,
        cpuMicrosPerRequest: median(mine.map((r) => r.cpuMicrosPerRequest[label]!)),
        ratioToReference: median(ratios),
        ratios: ratios.map((x) => Math.round(x * 1000) / 1000),
      };
    }),
  );
  console.log(`\nnode ${machine.node} · ${labels.length} servers loaded at once · ${config.rounds} rounds of ${config.durationSeconds} s\n`);
  console.log(`| variant | platform | CPU µs/req (median) | × ${reference} (median of per-round ratios) | per-round ratios |`);
  console.log('| --- | --- | ---: | ---: | --- |');
  for (const row of summary) {
    console.log(`| ${row.variant} | ${row.platform} | ${row.cpuMicrosPerRequest.toFixed(1)} | ${row.ratioToReference.toFixed(3)} | ${row.ratios.map((x) => x.toFixed(2)).join(' ')} |`);
  }
  const major = Number(/^v(\d+)/.exec(machine.node)?.[1]);
  const out = config.out ?? `bench/results-paired-node${major}.json`;
  writeFileSync(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), command: `npm run bench:paired -- ${process.argv.slice(2).join(' ')}`, machine, reference, summary, rounds }, null, 2)}\n`);
  console.error(`bench:paired: wrote ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
