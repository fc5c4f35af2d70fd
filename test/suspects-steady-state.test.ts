// Suspects in steady state: the counters driven with an injected clock for many windows (the
// default 15-minute window of 15 one-minute buckets), the way a service that has run for hours
// sees them. Counts must stay exact for every value above 1 in maxValuesPerKey of its key's
// calls, churn and global incidents must not make suspects, and common values must be found.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HudSuspect, HudSuspectReport } from '../lib/analysis/suspects/hud-suspect-report.interface.js';
import { SuspectCounters } from '../lib/analysis/suspects/suspect.counters.js';
import { OUTCOME_FAILING, OUTCOME_OK } from '../lib/analysis/suspects/value.table.js';
import { HudSuspectsOptions } from '../lib/options/hud-suspects.options.js';
import { seededRandom } from './reliability/support/random.js';
import { MINUTE_MS, pollNull, type Random } from './support/steady-traffic.js';

const NAME = 'POST /orders';

/** One call: its context and whether it fails. */
type Call = { values: Record<string, string | string[]>; fails: boolean };

/** Every call sent, with its time, to count the truth over any window afterwards. */
interface Sent {
  atMs: number;
  call: Call;
}

/**
 * Drives `counters` for `minutes` minutes of `perMinute` calls spread over each minute, the
 * call made by `make(random, minute)`; `read(minute)` is called at the end of each minute.
 */
function drive(
  counters: SuspectCounters,
  options: {
    seed: number;
    minutes: number;
    perMinute: number;
    make: (random: Random, minute: number) => Call;
    read?: (minute: number, nowMs: number, sentSoFar: number) => void;
  },
): Sent[] {
  const random = seededRandom(options.seed);
  const sent: Sent[] = [];
  for (let minute = 0; minute < options.minutes; minute++) {
    for (let c = 0; c < options.perMinute; c++) {
      const atMs = minute * MINUTE_MS + ((c + random()) * MINUTE_MS) / options.perMinute;
      const call = options.make(random, minute);
      counters.count(NAME, 'http', call.values, true, call.fails ? OUTCOME_FAILING : OUTCOME_OK, atMs);
      sent.push({ atMs, call });
    }
    options.read?.(minute, (minute + 1) * MINUTE_MS - 1, sent.length);
  }
  return sent;
}

/**
 * Invocations and failures holding `key = value` among the calls of the window that ends at
 * `nowMs`, of the first `count` calls sent (those counted before the read).
 */
function truth(sent: readonly Sent[], nowMs: number, key: string, value: string, count = sent.length): { invocations: number; failures: number } {
  const oldest = Math.floor(nowMs / MINUTE_MS) - 14; // the 15 one-minute buckets ending now
  let invocations = 0;
  let failures = 0;
  for (const { atMs, call } of sent.slice(0, count)) {
    if (Math.floor(atMs / MINUTE_MS) < oldest) continue;
    const held = call.values[key];
    if (held === value || (Array.isArray(held) && held.includes(value))) {
      invocations++;
      if (call.fails) failures++;
    }
  }
  return { invocations, failures };
}

const counters = () => new SuspectCounters(new HudSuspectsOptions(), () => false);
const find = (report: HudSuspectReport | undefined, key: string, value: string): HudSuspect | undefined =>
  report?.suspects.find((s) => s.key === key && s.value === value);

describe('suspects in steady state (injected clock, 15 one-minute buckets)', () => {
  it('keeps exact counts of every value above 1 in maxValuesPerKey after 5 windows, beside a tail of 10,000 values', () => {
    // tenant: 30 %, 15 % and 8 % of calls for three big ones (each above 1/20), the remaining
    // 47 % spread over 10,000 others, each new or nearly so: every tail call evicts a row
    const big: ReadonlyArray<[string, number]> = [
      ['big-a', 0.3],
      ['big-b', 0.15],
      ['big-c', 0.08],
    ];
    const suspects = counters();
    const readAt: number[] = [];
    const counted: number[] = [];
    const answers: Array<HudSuspectReport | undefined> = [];
    const sent = drive(suspects, {
      seed: 42,
      minutes: 75,
      perMinute: 400,
      make: (random) => {
        let at = random();
        for (const [tenant, share] of big) {
          if ((at -= share) < 0) return { values: { tenant }, fails: random() < 0.3 };
          // the big tenants fail 30 % of the time, the tail never: each big one is a suspect
        }
        return { values: { tenant: `tail-${Math.floor(random() * 10_000)}` }, fails: false };
      },
      read: (minute, nowMs, sentSoFar) => {
        // after each of windows 2 to 5, and a second into the bucket after each of those
        if (minute >= 29 && (minute + 1) % 15 === 0) {
          for (const at of [nowMs, nowMs + 1001]) {
            readAt.push(at);
            counted.push(sentSoFar);
            answers.push(suspects.reports({ name: NAME }, at)[0]);
          }
        }
      },
    });
    assert.equal(answers.length, 8);
    answers.forEach((report, i) => {
      for (const [tenant] of big) {
        const suspect = find(report, 'tenant', tenant);
        const expected = truth(sent, readAt[i], 'tenant', tenant, counted[i]);
        assert.ok(suspect, `${tenant} reported at minute ${readAt[i] / MINUTE_MS}`);
        assert.deepEqual({ invocations: suspect.invocations, failures: suspect.failures }, expected, `${tenant} at minute ${readAt[i] / MINUTE_MS}`);
        assert.equal(suspect.since, undefined, `${tenant} held its row all window`);
      }
      assert.deepEqual(report!.suspects.filter((s) => !String(s.value).startsWith('big-')), [], 'no tail value, no (other)');
    });
  });

  it('makes no client a suspect in a global incident, 40 equal clients churning through 20 rows, over 100 seeds', () => {
    // 200 calls a minute from 40 clients at random: each below 1/20 of the calls, so rows churn
    // all the time. 30 minutes at 2 % failures, then 3 minutes at 30 % for everyone, read at
    // the end of the incident and 3 and 7 minutes later.
    const withSuspects: string[] = [];
    for (let seed = 0; seed < 100; seed++) {
      const suspects = counters();
      drive(suspects, {
        seed: 1000 + seed,
        minutes: 40,
        perMinute: 200,
        make: (random, minute) => ({
          values: { client_id: `client-${Math.floor(random() * 40)}` },
          fails: random() < (minute >= 30 && minute < 33 ? 0.3 : 0.02),
        }),
        read: (minute, nowMs) => {
          if (minute !== 32 && minute !== 35 && minute !== 39) return;
          const [report] = suspects.reports({ name: NAME }, nowMs);
          for (const s of report?.suspects ?? []) withSuspects.push(`seed ${seed} minute ${minute}: ${s.value} ${s.failures}/${s.invocations} p ${s.pValue}`);
        },
      });
    }
    const runs = new Set(withSuspects.map((line) => line.split(' minute')[0]));
    assert.ok(runs.size <= 2, `${runs.size} of 100 runs reported a client:\n${withSuspects.join('\n')}`);
  });

  it('does not blame a client whose calls all fell inside a global outage, and still finds one that caused its own', () => {
    const suspects = counters();
    drive(suspects, {
      seed: 7,
      minutes: 50,
      perMinute: 300,
      make: (random, minute) => {
        const outage = minute >= 40 && minute < 43; // everyone fails 30 %
        // a batch client that only calls during those minutes, and fails like everyone else
        if (outage && random() < 0.1) return { values: { client_id: 'batch' }, fails: random() < 0.3 };
        // and a client that calls all along and fails 60 % during those minutes
        if (random() < 0.05) return { values: { client_id: 'flaky' }, fails: random() < (outage ? 0.6 : 0.02) };
        return { values: { client_id: `client-${Math.floor(random() * 15)}` }, fails: random() < (outage ? 0.3 : 0.02) };
      },
    });
    const [report] = suspects.reports({ name: NAME }, 50 * MINUTE_MS - 1);
    assert.equal(find(report, 'client_id', 'batch'), undefined, JSON.stringify(report.suspects));
    assert.ok(find(report, 'client_id', 'flaky'), JSON.stringify(report.suspects));
  });

  it('reports a value on 40 % of the calls failing twice as often as the rest, with its exact counts, in 19 of 20 runs at least', () => {
    let found = 0;
    for (let seed = 0; seed < 20; seed++) {
      const suspects = counters();
      const sent = drive(suspects, {
        seed: 500 + seed,
        minutes: 45,
        perMinute: 600,
        make: (random) => {
          const pro = random() < 0.4;
          return { values: { user_tier: pro ? 'pro' : 'free', region: `r-${Math.floor(random() * 4)}` }, fails: random() < (pro ? 0.06 : 0.03) };
        },
      });
      const nowMs = 45 * MINUTE_MS - 1;
      const pro = find(suspects.reports({ name: NAME }, nowMs)[0], 'user_tier', 'pro');
      if (pro === undefined) continue;
      found++;
      assert.deepEqual({ invocations: pro.invocations, failures: pro.failures }, truth(sent, nowMs, 'user_tier', 'pro'));
      assert.ok(pro.relativeRisk >= 1.5 && pro.lift < 1 / 0.4, `relative risk ${pro.relativeRisk}, lift ${pro.lift}`);
    }
    assert.ok(found >= 19, `found in ${found} of 20 runs`);
  });

  it('reports a version on 70 % of the calls that carries every failure', () => {
    const suspects = counters();
    const sent = drive(suspects, {
      seed: 70,
      minutes: 45,
      perMinute: 200,
      make: (random) => {
        const v2 = random() < 0.7;
        return { values: { app_version: v2 ? 'v2' : 'v1' }, fails: v2 && random() < 0.03 };
      },
    });
    const nowMs = 45 * MINUTE_MS - 1;
    const v2 = find(suspects.reports({}, nowMs)[0], 'app_version', 'v2');
    assert.ok(v2, 'v2 is a suspect');
    assert.deepEqual({ invocations: v2.invocations, failures: v2.failures }, truth(sent, nowMs, 'app_version', 'v2'));
    assert.equal(v2.relativeRisk, Infinity);
    assert.equal(v2.failureShare, 1);
  });

  it('lists two flags always set together, and an experiment set with them, as one entry', () => {
    const suspects = counters();
    drive(suspects, {
      seed: 3,
      minutes: 20,
      perMinute: 200,
      make: (random) => {
        const inRollout = random() < 0.3;
        const values: Record<string, string | string[]> = { user_tier: random() < 0.5 ? 'pro' : 'free' };
        values.flags = inRollout ? ['new-checkout', 'checkout-v2'] : random() < 0.5 ? ['dark-mode'] : [];
        if (inRollout) values.experiment = 'exp-7';
        return { values, fails: random() < (inRollout ? 0.1 : 0.02) };
      },
    });
    const [report] = suspects.reports({ name: NAME }, 20 * MINUTE_MS - 1);
    assert.deepEqual(
      report.suspects.map((s) => [s.key, s.value, s.sameAs]),
      [
        [
          'flags',
          'new-checkout',
          [
            { key: 'flags', value: 'checkout-v2' },
            { key: 'experiment', value: 'exp-7' },
          ],
        ],
      ],
    );
  });

  it('shows a false suspect in at most 1 % of the minute-by-minute reads of 50 names for a day', (t) => {
    const result = pollNull({
      seed: 2026,
      names: 50,
      minutes: 15 + 24 * 60,
      warmupMinutes: 15,
      failureRate: 0.05,
      callsPerMinute: (name) => 20 + Math.round((180 * name) / 49),
    });
    t.diagnostic(`${result.readsWithSuspects} of ${result.reads} reads with a suspect; names with one that day: ${result.namesWithSuspects}; ${result.examples.join('; ')}`);
    assert.equal(result.reads, 1440);
    assert.ok(result.readsWithSuspects <= 14, `${result.readsWithSuspects} reads: ${result.examples.join('; ')}`);
  });
});
