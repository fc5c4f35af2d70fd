/**
 * `npm run sim:changes`: the figures of docs/changes.md, from the library's own change
 * detection fed seeded traffic with a simulated clock (the default 15-minute window, a recent
 * span of 3 minutes):
 *
 * 1. false alarms: 50 names with steady failure rates (1 % to 20 %) and steady latencies
 *    (lognormal, σ 0.5 to 2), read every minute for `SIM_DAYS` days;
 * 2. time to detect a failure rate stepping from 1 % to 20 %, and a route becoming 5 times
 *    slower, by traffic: read every 5 seconds after the step, over 100 seeded runs each.
 */
import { HudAnalysis } from '../../lib/analysis/hud-analysis.js';
import type { Invocation } from '../../lib/context/invocation.js';
import { resolveHudOptions } from '../../lib/hud-options.resolver.js';
import { seededRandom } from '../../test/reliability/support/random.js';
import { normal, proportionText, type Random } from './statistics.js';

const DAYS = Math.max(1, Number(process.env.SIM_DAYS ?? 3) || 3);
const SEED = Number(process.env.SIM_SEED ?? 1) || 1;
const MINUTE_MS = 60_000;

function analysis(): HudAnalysis {
  return new HudAnalysis(resolveHudOptions({ slowThresholdMs: false }));
}

/** One completed call of `name` at `atMs`, as `HudRuntime.complete` hands it over. */
function call(target: HudAnalysis, name: string, atMs: number, random: Random, failureRate: number, medianMs: number, sigma: number): void {
  const durationMs = medianMs * Math.exp(sigma * normal(random));
  const values = { client_id: `client-${Math.floor(random() * 30)}`, user_tier: random() < 0.3 ? 'pro' : 'free' };
  const invocation = { name, kind: 'http', values, keyCount: 2, startedAtMs: atMs - durationMs, durationMs } as unknown as Invocation;
  target.observe(invocation, random() < failureRate ? 'error' : undefined);
}

/** 50 steady names read every minute for `DAYS` days: reads that report any change, and the names they named. */
function falseAlarms(): string[] {
  let reads = 0;
  let withChanges = 0;
  let spaced = 0;
  let spacedWithChanges = 0;
  const named = new Set<string>();
  for (let day = 0; day < DAYS; day++) {
    const random = seededRandom(SEED * 7_001 + day);
    const target = analysis();
    const names = Array.from({ length: 50 }, (_, i) => ({
      name: `GET /route-${i}`,
      perMinute: 20 + Math.round((280 * i) / 49),
      failureRate: 0.01 + (0.19 * ((i * 7) % 50)) / 49,
      sigma: 0.5 + (1.5 * ((i * 13) % 50)) / 49,
    }));
    for (let minute = 0; minute < 15 + 24 * 60; minute++) {
      for (const { name, perMinute, failureRate, sigma } of names) {
        for (let c = 0; c < perMinute; c++) call(target, name, minute * MINUTE_MS + ((c + random()) * MINUTE_MS) / perMinute, random, failureRate, 40, sigma);
      }
      if (minute < 15) continue;
      const found = target.changeFindings({}, (minute + 1) * MINUTE_MS - 1);
      reads++;
      if (found.length > 0) withChanges++;
      if (minute % 15 === 0) {
        spaced++;
        if (found.length > 0) spacedWithChanges++;
      }
      for (const { report } of found) named.add(`day ${day}: ${report.name}`);
    }
  }
  return [
    '| setting | counted | observed (exact 95 % CI) |',
    '| --- | --- | --- |',
    `| 50 steady names (1 % to 20 % failures, lognormal latencies σ 0.5 to 2, 20 to 300 calls a minute), read every minute for ${DAYS} days | reads reporting a change | ${proportionText(withChanges, reads)} |`,
    `| the same, every 15th read only (windows that share no call) | reads reporting a change | ${proportionText(spacedWithChanges, spaced)} |`,
    `| the same | names reported on some day | ${named.size} of ${50 * DAYS} |`,
  ];
}

/**
 * A name steady for 20 minutes, then stepping (failures 1 % → 20 %, or 5 times slower), read
 * every 5 s: seconds from the step to the first read reporting it, over `runs` runs.
 */
function detection(kind: 'failures' | 'latency', perSecond: number, runs: number): string {
  const delays: number[] = [];
  let missed = 0;
  const stepAt = 20 * MINUTE_MS;
  const giveUpAt = stepAt + 10 * MINUTE_MS;
  for (let run = 0; run < runs; run++) {
    const random = seededRandom(SEED * 9_973 + run * 31 + perSecond);
    const target = analysis();
    const gapMs = 1000 / perSecond;
    let nextRead = stepAt + 5000;
    let found: number | undefined;
    for (let atMs = random() * gapMs; atMs < giveUpAt && found === undefined; atMs += gapMs * -Math.log(1 - random())) {
      const after = atMs >= stepAt;
      const failureRate = kind === 'failures' && after ? 0.2 : 0.01;
      const medianMs = kind === 'latency' && after ? 200 : 40;
      if (atMs >= nextRead) {
        const report = target.changeFindings({ name: 'POST /pay' }, atMs)[0]?.report;
        if (report !== undefined && (kind === 'failures' ? report.failureRate : report.latency) !== undefined) found = atMs - stepAt;
        nextRead += 5000;
      }
      call(target, 'POST /pay', atMs, random, failureRate, medianMs, 0.5);
    }
    if (found === undefined) missed++;
    else delays.push(found / 1000);
  }
  delays.sort((a, b) => a - b);
  const at = (q: number) => (delays.length === 0 ? '–' : `${Math.round(delays[Math.min(delays.length - 1, Math.floor(q * delays.length))])} s`);
  const within = delays.filter((d) => d <= 180).length;
  return `| ${perSecond} | ${at(0.5)} | ${at(0.9)} | ${proportionText(within, runs)} | ${missed} |`;
}

function timed<T>(label: string, run: () => T): T {
  const started = performance.now();
  const result = run();
  process.stderr.write(`sim:changes: ${label} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}

console.log(`# What changed: false alarms and time to detect (seed ${SEED}, ${DAYS} simulated days)\n`);
console.log('## False alarms of a steady workload\n');
console.log(timed('false alarms', falseAlarms).join('\n'));
for (const kind of ['failures', 'latency'] as const) {
  const title = kind === 'failures' ? 'A failure rate stepping from 1 % to 20 %' : 'A route becoming 5 times slower (median 40 ms → 200 ms)';
  console.log(`\n## ${title}: time to detect, read every 5 s (100 runs each)\n`);
  console.log('| calls a second | median | 90 % within | detected within the recent span (3 min) | not detected in 10 min |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const perSecond of [0.2, 1, 5, 20, 100]) console.log(timed(`${kind} at ${perSecond}/s`, () => detection(kind, perSecond, 100)));
}
