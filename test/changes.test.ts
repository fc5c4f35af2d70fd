// What changed, with an injected clock: a failure rate stepping from 1 % to 20 % is reported
// within the recent span, with its exact counts and the client the new failures hit; a steady
// failure rate, however high, never is; a lasting slowdown is; an old incident is forgotten.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HudAnalysis } from '../lib/analysis/hud-analysis.js';
import type { Invocation } from '../lib/context/invocation.js';
import type { ForensicsTrigger } from '../lib/forensics/forensics-record.interface.js';
import { resolveHudOptions } from '../lib/hud-options.resolver.js';
import type { HudModuleOptions } from '../lib/hud.options.js';
import { seededRandom } from './reliability/support/random.js';
import { MINUTE_MS, type Random } from './support/steady-traffic.js';

/** One call: its context, whether it fails, how long it took. */
interface Call {
  values: Record<string, string>;
  fails: boolean;
  durationMs?: number;
}

/** An analysis fed calls at injected times, as `HudRuntime.complete` feeds it. */
function analysisOf(options: HudModuleOptions = {}): HudAnalysis {
  return new HudAnalysis(resolveHudOptions({ slowThresholdMs: false, ...options }));
}

function feed(analysis: HudAnalysis, name: string, atMs: number, call: Call): void {
  const durationMs = call.durationMs ?? 20;
  const invocation = { name, kind: 'http', values: call.values, keyCount: 1, startedAtMs: atMs - durationMs, durationMs } as unknown as Invocation;
  const trigger: ForensicsTrigger | undefined = call.fails ? 'error' : undefined;
  analysis.observe(invocation, trigger);
}

/** `perMinute` calls of each name a minute, from `fromMinute` to `toMinute`, made by `make`; `read` after each minute. */
function drive(
  analysis: HudAnalysis,
  options: { seed: number; names: string[]; fromMinute?: number; toMinute: number; perMinute: number; make: (random: Random, minute: number, name: string) => Call; read?: (minute: number, nowMs: number) => void },
): void {
  const random = seededRandom(options.seed);
  for (let minute = options.fromMinute ?? 0; minute < options.toMinute; minute++) {
    for (let c = 0; c < options.perMinute; c++) {
      for (const name of options.names) feed(analysis, name, minute * MINUTE_MS + ((c + random()) * MINUTE_MS) / options.perMinute, options.make(random, minute, name));
    }
    options.read?.(minute, (minute + 1) * MINUTE_MS - 1);
  }
}

describe('what changed (injected clock, a 15-minute window, the last 3 minutes against the rest)', () => {
  it('reports a failure rate stepping from 1 % to 20 %, with its exact counts and the client the new failures hit', () => {
    const analysis = analysisOf();
    let answer: ReturnType<HudAnalysis['changeFindings']> = [];
    drive(analysis, {
      seed: 11,
      names: ['POST /orders'],
      toMinute: 31,
      perMinute: 200,
      make: (random, minute) => {
        const client = random() < 0.25 ? 'acme' : `client-${Math.floor(random() * 9)}`;
        // from minute 30 on, acme's calls fail 70 % of the time (the route's rate: 1 % → about 19 %)
        const fails = random() < (minute >= 30 && client === 'acme' ? 0.7 : 0.01);
        return { values: { client_id: client }, fails };
      },
      read: (minute, nowMs) => {
        if (minute === 29) assert.deepEqual(analysis.changeFindings({}, nowMs), [], 'nothing changed yet');
        if (minute === 30) answer = analysis.changeFindings({}, nowMs);
      },
    });
    assert.equal(answer.length, 1);
    const [{ report, series }] = answer;
    assert.equal(report.name, 'POST /orders');
    // one minute of 20 % in a recent span of three: about 7 % against 1 %
    assert.ok(report.failureRate && report.failureRate.ratio >= 3 && report.failureRate.pValue < 1e-6, JSON.stringify(report.failureRate));
    assert.equal(report.latency, undefined, 'latency did not move');
    // the recent span is the last 3 one-minute buckets (28, 29, 30); before it, buckets 16 to 27
    assert.equal(report.since, new Date(performance.timeOrigin + 28 * MINUTE_MS).toISOString());
    const sum = (values: number[], from: number, to: number) => values.slice(from, to).reduce((a, b) => a + b, 0);
    assert.deepEqual([report.before.invocations, report.after.invocations], [12 * 200, 3 * 200]);
    assert.deepEqual([report.before.failures, report.after.failures], [sum(series.failures, 0, 12), sum(series.failures, 12, 15)]);
    assert.equal(report.after.failureRate, report.after.failures / report.after.invocations);
    assert.deepEqual(series.invocations, Array(15).fill(200));
    assert.deepEqual(
      report.suspects.map((s) => [s.key, s.value]),
      [['client_id', 'acme']],
    );
    assert.ok(report.suspects[0].relativeRisk > 10);
  });

  it('never reports a steady failure rate, however high: 20 names from 1 % to 40 %, read every minute for 6 hours', () => {
    const analysis = analysisOf();
    const names = Array.from({ length: 20 }, (_, i) => `GET /steady-${i}`);
    const rate = (name: string) => 0.01 + (0.39 * Number(name.split('-')[1])) / 19;
    const changed: string[] = [];
    drive(analysis, {
      seed: 12,
      names,
      toMinute: 15 + 360,
      perMinute: 60,
      make: (random, _minute, name) => ({ values: { client_id: `client-${Math.floor(random() * 30)}` }, fails: random() < rate(name) }),
      read: (minute, nowMs) => {
        if (minute < 15) return;
        for (const { report } of analysis.changeFindings({}, nowMs)) changed.push(`minute ${minute}: ${report.name} ${JSON.stringify(report.failureRate ?? report.latency)}`);
      },
    });
    assert.ok(changed.length <= 1, `${changed.length} of 360 reads reported a change:\n${changed.join('\n')}`);
  });

  it('reports a route becoming 5 times slower for good, with the ratio of its p50, and not a steady heavy-tailed one', () => {
    const analysis = analysisOf();
    let found: ReturnType<HudAnalysis['changeFindings']> = [];
    let earlier = 0;
    drive(analysis, {
      seed: 13,
      names: ['GET /report', 'GET /heavy'],
      toMinute: 38,
      perMinute: 120,
      make: (random, minute, name) => {
        const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        const durationMs = name === 'GET /heavy' ? 40 * Math.exp(2 * normal) : 40 * (minute >= 36 ? 5 : 1) * Math.exp(0.5 * normal);
        return { values: { region: 'eu' }, fails: false, durationMs };
      },
      read: (minute, nowMs) => {
        const answer = analysis.changeFindings({}, nowMs);
        if (minute < 36) earlier += answer.length;
        else if (minute === 37) found = answer;
      },
    });
    assert.equal(earlier, 0, 'no change before the slowdown (the heavy-tailed route included)');
    assert.deepEqual(
      found.map((f) => f.report.name),
      ['GET /report'],
    );
    const { latency, before, after, failureRate } = found[0].report;
    assert.equal(failureRate, undefined);
    assert.ok(latency && latency.p50Ratio > 4 && latency.p50Ratio < 6.5, JSON.stringify(latency));
    assert.ok(after.p50Ms! > 4 * before.p50Ms!);
    assert.equal(found[0].series.latency?.p99s.length, 5);
  });

  it('forgets an incident once it has left the recent span, and answers one name when asked', () => {
    const analysis = analysisOf();
    const reads: number[] = [];
    drive(analysis, {
      seed: 14,
      names: ['POST /pay', 'GET /home'],
      toMinute: 45,
      perMinute: 100,
      make: (random, minute, name) => ({ values: { tier: 'free' }, fails: random() < (name === 'POST /pay' && minute >= 30 && minute < 32 ? 0.5 : 0.01) }),
      read: (minute, nowMs) => reads.push(analysis.changeFindings({ name: 'POST /pay' }, nowMs).length),
    });
    assert.deepEqual(reads.slice(28, 30), [0, 0]);
    assert.ok(reads[30] === 1 && reads[31] === 1, `reported during the incident: ${reads.slice(28, 36)}`);
    assert.deepEqual(reads.slice(35), Array(10).fill(0), 'forgotten once the incident left the recent span');
    assert.deepEqual(analysis.changeFindings({ name: 'GET /home' }, 45 * MINUTE_MS - 1), []);
  });

  it('works with the suspects off (names counted only, no suspects), and not at all with changes: false', () => {
    const make = (random: Random, minute: number): Call => ({ values: { client_id: 'acme' }, fails: random() < (minute >= 20 ? 0.3 : 0.01) });
    const namesOnly = analysisOf({ suspects: false });
    const off = analysisOf({ changes: false });
    for (const analysis of [namesOnly, off]) drive(analysis, { seed: 15, names: ['POST /x'], toMinute: 21, perMinute: 100, make });
    const [finding] = namesOnly.changeFindings({}, 21 * MINUTE_MS - 1);
    assert.ok(finding?.report.failureRate);
    assert.deepEqual(finding.report.suspects, []);
    assert.deepEqual(namesOnly.suspectReports(), []);
    assert.deepEqual(off.changeFindings({}, 21 * MINUTE_MS - 1), []);
  });

  it('validates the option at boot', () => {
    assert.throws(() => resolveHudOptions({ changes: { recentMs: 30_000 } }), /changes\.recentMs must be between a fifteenth and half of suspects\.windowMs \(900000 ms\): 60000 to 450000, not 30000/);
    assert.throws(() => resolveHudOptions({ suspects: { windowMs: 60_000 }, changes: { recentMs: 40_000 } }), /4000 to 30000, not 40000/);
    assert.throws(() => resolveHudOptions({ changes: { minRatio: 0.5 } }), /changes\.minRatio must be a number >= 1/);
    assert.throws(() => resolveHudOptions({ changes: { minFailures: 0 } }), /changes\.minFailures must be an integer >= 1/);
    assert.throws(() => resolveHudOptions({ changes: { recent: 1 } as never }), /unknown option "changes\.recent"/);
    assert.throws(() => resolveHudOptions({ changes: true as never }), /changes must be \{ recentMs, minRatio, minFailures \} or false/);
    const options = resolveHudOptions({ changes: { minRatio: 3 } });
    assert.ok(options.changes !== false && options.changes.minRatio === 3 && options.changes.minFailures === 5 && options.changes.recentMs === undefined);
  });
});
