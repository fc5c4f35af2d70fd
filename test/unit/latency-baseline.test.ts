import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyBaselines, MAX_LATENCY_NAMES } from '../../lib/analysis/latency/latency.baselines.js';
import { LatencyWindow, REFRESH_MS, SUB_WINDOWS } from '../../lib/analysis/latency/latency.window.js';
import { judgeSlowness } from '../../lib/analysis/latency/slowness.judge.js';
import type { Invocation } from '../../lib/context/invocation.js';
import { HudSlowBaselineOptions } from '../../lib/options/hud-slow-baseline.options.js';
import { seededRandom } from '../reliability/support/random.js';

const defaults = () => new HudSlowBaselineOptions();

/** A lognormal sampler (Box–Muller on a seeded generator): median `medianMs`, shape `sigma`. */
function lognormal(seed: number, medianMs: number, sigma: number): () => number {
  const random = seededRandom(seed);
  return () => {
    const u = 1 - random();
    const v = random();
    return medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };
}

/** What the runtime asks for a successful invocation: is it slow, and by which rule. */
const judge = (window: LatencyWindow, durationMs: number, nowMs: number, fixedMs: number | false = false, decorated?: number | false) =>
  judgeSlowness({ durationMs, slowThresholdMs: decorated } as Invocation, fixedMs, window, nowMs);

function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

describe('a name’s latency window', () => {
  it('has no baseline before minSamples, then max(floorMs, factor × p99)', () => {
    const window = new LatencyWindow('http', defaults());
    for (let i = 0; i < 199; i++) window.add(40, false, i);
    assert.equal(window.threshold(199), undefined, '199 samples: too few');
    window.add(40, false, 199);
    const threshold = window.threshold(200)!;
    assert.ok(Math.abs(threshold - 120) <= 120 * 0.02, `3 × p99 of a constant 40 ms, within 2 %: ${threshold}`);

    const fast = new LatencyWindow('http', defaults());
    for (let i = 0; i < 300; i++) fast.add(2, false, i);
    assert.equal(fast.threshold(300), 100, 'the floor when 3 × p99 is below it');
  });

  it('counts failures without feeding them to the sketch', () => {
    const window = new LatencyWindow('rpc', defaults());
    for (let i = 0; i < 300; i++) window.add(10, false, i);
    for (let i = 0; i < 50; i++) window.add(5_000, true, 300 + i);
    assert.equal(window.samples, 300);
    assert.equal(window.failures, 50);
    assert.ok(window.exactSummary(400)!.p99 < 11);
  });

  it('gives quantiles within 2 % of the exact ones', () => {
    const window = new LatencyWindow('http', defaults());
    const next = lognormal(7, 25, 0.8);
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const value = next();
      values.push(value);
      window.add(value, false, i);
    }
    values.sort((a, b) => a - b);
    const summary = window.exactSummary(20_000)!;
    for (const [q, estimate] of [
      [0.5, summary.p50],
      [0.95, summary.p95],
      [0.99, summary.p99],
    ] as const) {
      const exact = exactQuantile(values, q);
      assert.ok(Math.abs(estimate - exact) / exact <= 0.021, `p${q * 100}: ${estimate} vs exact ${exact}`);
    }
  });

  it('forgets what slid out of the window, a fifth of it at a time', () => {
    const settings = Object.assign(defaults(), { windowMs: 1000 * SUB_WINDOWS, minSamples: 10 });
    const window = new LatencyWindow('http', settings);
    for (let i = 0; i < 100; i++) window.add(50, false, i); // sub-window 0
    for (let i = 0; i < 100; i++) window.add(5, false, 1000 + i); // sub-window 1
    assert.equal(window.samples, 200);
    assert.equal(window.threshold(4_999)! > 100, true, 'both sub-windows count at the end of the window');
    assert.equal(window.threshold(5_000), Math.max(100, 3 * window.summary(5_000)!.p99));
    assert.equal(window.samples, 100, 'sub-window 0 left the window');
    assert.ok(window.summary(5_000)!.p99 < 6);
    window.threshold(6_000);
    assert.equal(window.samples, 0);
    assert.equal(window.threshold(6_000), undefined);
  });

  it('refreshes the cached threshold at most once per REFRESH_MS, not on every request', () => {
    const settings = Object.assign(defaults(), { minSamples: 10, floorMs: 0 });
    const window = new LatencyWindow('http', settings);
    for (let i = 0; i < 10; i++) window.add(10, false, 0);
    const first = window.threshold(0)!;
    for (let i = 0; i < 1000; i++) window.add(100, false, 1);
    assert.equal(window.threshold(REFRESH_MS - 1), first, 'still the cached threshold');
    assert.ok(window.threshold(REFRESH_MS)! > first * 5, 'recomputed after REFRESH_MS');
  });
});

describe('which rule judges a successful invocation', () => {
  const warm = () => {
    const window = new LatencyWindow('http', defaults());
    for (let i = 0; i < 300; i++) window.add(40 + (i % 10), false, i);
    return window;
  };

  it('the baseline, when it is below slowThresholdMs', () => {
    const verdict = judge(warm(), 500, 400, 1000);
    assert.equal(verdict?.basis, 'baseline');
    assert.ok(verdict!.thresholdMs > 140 && verdict!.thresholdMs < 150, String(verdict!.thresholdMs));
    assert.equal(verdict!.samples, 300);
    assert.ok(verdict!.p50! > 40 && verdict!.p99! < 51);
    assert.equal(judge(warm(), 140, 400, 1000), undefined, 'under the baseline threshold');
  });

  it('the fixed threshold for a name without history, or when it is the lower one', () => {
    const fresh = new LatencyWindow('http', defaults());
    assert.equal(judge(fresh, 900, 0, 1000), undefined, 'no history: only the fixed threshold applies');
    fresh.add(900, false, 0);
    assert.deepEqual(judge(fresh, 1200, 1, 1000), { thresholdMs: 1000, basis: 'fixed', p50: 900, p99: 900, samples: 1 });
    assert.equal(judge(warm(), 120, 400, 100)?.basis, 'fixed');
    assert.equal(judge(fresh, 5000, 1, false), undefined, 'slowThresholdMs: false and no baseline');
  });

  it('@HudSlowThreshold(ms) replaces both; @HudSlowThreshold(false) disables both', () => {
    assert.equal(judge(warm(), 500, 400, 1000, 800), undefined);
    assert.equal(judge(warm(), 900, 400, 1000, 800)?.basis, 'decorator');
    assert.equal(judge(warm(), 50_000, 400, 1000, false), undefined);
  });
});

describe('the table of names', () => {
  it(`keeps at most ${MAX_LATENCY_NAMES} names, forgetting the least recently completed`, () => {
    const baselines = new LatencyBaselines(defaults());
    baselines.windowFor('GET /hot', 'http').add(10, false, 0);
    for (let i = 0; i < MAX_LATENCY_NAMES + 50; i++) {
      baselines.windowFor(`GET /cold/${i}`, 'http').add(10, false, 1);
      baselines.windowFor('GET /hot', 'http').add(10, false, 1);
    }
    const reports = baselines.report(undefined, 2);
    assert.equal(reports.length, MAX_LATENCY_NAMES);
    assert.equal(reports[0].name, 'GET /hot');
    assert.equal(reports[0].samples, MAX_LATENCY_NAMES + 51);
    assert.equal(baselines.report('GET /cold/0', 2).length, 0, 'the oldest cold name was forgotten');
  });
});

/**
 * The default must not flood: on a steady workload (the latency distribution never
 * changes), the share of invocations the baseline rule records. For any steady distribution
 * it is at most P(latency > p99) = 1 % plus the error of estimating p99 from the window;
 * the factor 3 makes it far lower for the usual shapes. Worst case: slightly under 1 % of
 * the traffic is very slow, so p99 stays fast and every slow one exceeds 3 × p99.
 */
describe('on a steady workload the baseline rule fires rarely', () => {
  const WINDOW_MS = defaults().windowMs;
  const workloads: Array<{ name: string; next: () => number; perSecond: number }> = [
    { name: 'lognormal median 20 ms, σ 0.5, 50/s', next: lognormal(1, 20, 0.5), perSecond: 50 },
    { name: 'lognormal median 40 ms, σ 1, 50/s', next: lognormal(2, 40, 1), perSecond: 50 },
    { name: 'lognormal median 40 ms, σ 2, 50/s', next: lognormal(3, 40, 2), perSecond: 50 },
    { name: 'lognormal median 40 ms, σ 3, 50/s', next: lognormal(4, 40, 3), perSecond: 50 },
    { name: 'lognormal median 40 ms, σ 2, a quiet name at 0.3/s', next: lognormal(5, 40, 2), perSecond: 0.3 },
    (() => {
      const random = seededRandom(6);
      return { name: 'worst case: 0.99 % of calls take 1 s, the rest 5 ms, 50/s', next: () => (random() < 0.0099 ? 1000 : 5), perSecond: 50 };
    })(),
  ];

  for (const workload of workloads) {
    it(workload.name, (t) => {
      const window = new LatencyWindow('http', defaults());
      const count = Math.round(Math.max(100_000, workload.perSecond * WINDOW_MS * 3 / 1000));
      let judged = 0;
      let fired = 0;
      for (let i = 0; i < count; i++) {
        const nowMs = (i * 1000) / workload.perSecond;
        const durationMs = workload.next();
        if (window.threshold(nowMs) !== undefined) {
          judged++;
          if (judge(window, durationMs, nowMs)?.basis === 'baseline') fired++;
        }
        window.add(durationMs, false, nowMs);
      }
      const rate = fired / judged;
      t.diagnostic(`${workload.name}: ${fired} of ${judged} judged invocations recorded (${(rate * 100).toFixed(3)} %)`);
      console.log(`steady-workload figure: ${workload.name}: ${(rate * 100).toFixed(3)} % (${fired}/${judged})`);
      assert.ok(judged > count / 2);
      assert.ok(rate <= 0.0125, `${(rate * 100).toFixed(2)} % of a steady workload recorded`);
    });
  }
});
