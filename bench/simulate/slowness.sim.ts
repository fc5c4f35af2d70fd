/**
 * `npm run sim:slowness`: the figures of docs/failures-and-slowness.md, from the library's own
 * slowness rules (the fixed `slowThresholdMs` and each name's baseline) fed seeded latencies
 * with a simulated clock:
 *
 * 1. how often each rule fires on a steady route, by how heavy its tail is (lognormal, median
 *    40 ms): the baseline's "at most about 1 %" is its own; the fixed 1 s fires on far more for
 *    heavy-tailed routes;
 * 2. a lasting shift (the route becomes 5 times slower for good): how long the baseline keeps
 *    flagging it, by traffic. It flags outliers, not regressions.
 */
import type { Invocation } from '../../lib/context/invocation.js';
import { LatencyWindow } from '../../lib/analysis/latency/latency.window.js';
import { judgeSlowness } from '../../lib/analysis/latency/slowness.judge.js';
import { HudSlowBaselineOptions } from '../../lib/options/hud-slow-baseline.options.js';
import { seededRandom } from '../../test/reliability/support/random.js';
import { normal, proportionText } from './statistics.js';

const SEED = Number(process.env.SIM_SEED ?? 1) || 1;
const MEDIAN_MS = 40;

/** What the runtime does for a successful invocation: judge it, then add it to its name's window. */
function judgeAndAdd(window: LatencyWindow, durationMs: number, nowMs: number, fixedMs: number | false): boolean {
  const slow = judgeSlowness({ durationMs, slowThresholdMs: undefined } as unknown as Invocation, fixedMs, window, nowMs) !== undefined;
  window.add(durationMs, false, nowMs);
  return slow;
}

/** Fire rates over windows 2 and 3 of a steady route at 20 calls a second. */
function steadyRates(): string[] {
  const lines = ['| latencies (lognormal, median 40 ms) | baseline alone | fixed 1 s alone | both (the default) |', '| --- | ---: | ---: | ---: |'];
  const settings = new HudSlowBaselineOptions();
  for (const sigma of [0.5, 1, 2, 3]) {
    const counts = [0, 0, 0];
    let judged = 0;
    const rules: Array<number | false> = [false, 1000, 1000];
    const windows = [new LatencyWindow('http', settings), undefined, new LatencyWindow('http', settings)];
    const random = seededRandom(SEED * 31 + sigma * 10);
    const perSecond = 20;
    const calls = (3 * settings.windowMs * perSecond) / 1000;
    for (let i = 0; i < calls; i++) {
      const nowMs = (i * 1000) / perSecond;
      const durationMs = MEDIAN_MS * Math.exp(sigma * normal(random));
      const counted = nowMs >= settings.windowMs;
      if (counted) judged++;
      for (let r = 0; r < 3; r++) {
        const window = windows[r];
        const slow =
          window === undefined ? durationMs > (rules[r] as number) : judgeAndAdd(window, durationMs, nowMs, rules[r]);
        if (slow && counted) counts[r]++;
      }
    }
    lines.push(`| σ ${sigma} | ${counts.map((c) => proportionText(c, judged)).join(' | ')} |`);
  }
  return lines;
}

/**
 * A route at lognormal(40 ms, σ 0.5) that becomes 5 times slower for good: the share of its
 * slower calls the baseline flags over the next window, and how soon the flags stop (the time
 * by which 90 % of them had fired).
 */
function lastingShift(): string[] {
  const lines = [
    '| calls a second | slower calls flagged (the next 15 min) | in the first 10 s | 90 % of the flags within |',
    '| ---: | ---: | ---: | ---: |',
  ];
  const settings = new HudSlowBaselineOptions();
  for (const perSecond of [1, 10, 100, 1000]) {
    const window = new LatencyWindow('http', settings);
    const random = seededRandom(SEED * 17 + perSecond);
    const shiftAt = settings.windowMs; // a full window of the old latencies first
    const end = shiftAt + settings.windowMs;
    const flags: number[] = [];
    let shifted = 0;
    for (let i = 0; ; i++) {
      const nowMs = (i * 1000) / perSecond;
      if (nowMs >= end) break;
      const after = nowMs >= shiftAt;
      const durationMs = MEDIAN_MS * (after ? 5 : 1) * Math.exp(0.5 * normal(random));
      const slow = judgeAndAdd(window, durationMs, nowMs, false);
      if (!after) continue;
      shifted++;
      if (slow) flags.push(nowMs - shiftAt);
    }
    const early = flags.filter((at) => at < 10_000).length;
    const ninety = flags.length === 0 ? undefined : flags[Math.ceil(0.9 * flags.length) - 1];
    const when = ninety === undefined ? '–' : ninety >= 60_000 ? `${(ninety / 60_000).toFixed(1)} min` : `${(ninety / 1000).toFixed(1)} s`;
    lines.push(`| ${perSecond} | ${proportionText(flags.length, shifted)} | ${early} | ${when} |`);
  }
  return lines;
}

console.log(`# Slowness rules on steady and shifting routes (seed ${SEED})\n`);
console.log('## How often each rule fires on a steady route (windows 2 and 3, 20 calls a second)\n');
console.log(steadyRates().join('\n'));
console.log('\n## A lasting shift (5 times slower for good): how long the baseline keeps flagging\n');
console.log(lastingShift().join('\n'));
