// The fleet's suspects: the suspects' test on counts summed over every instance, with the
// p-values of every value of every name adjusted together. Ground truth with exact counts, the
// rule's edges, a null control over many seeded reads, and a simulation stating the
// false-alarm rate and the power with 95 % confidence intervals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hypergeometricUpperTail } from '../../lib/analysis/suspects/hypergeometric.tail.js';
import { relativeRisk, scoreFleet, type FleetNameCounts, type ValueCounts } from '../../lib/fleet/fleet-suspects.scorer.js';
import { seededRandom } from '../reliability/support/random.js';

/** Wilson score interval (95 %) of `hits` in `n`. */
function wilson(hits: number, n: number): [number, number] {
  const z = 1.96;
  const p = hits / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const KEYS: Record<string, readonly string[]> = {
  user_tier: ['free', 'pro', 'enterprise'],
  region: ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'],
  plan: ['monthly', 'yearly', 'trial', 'partner'],
};

/**
 * One read of the fleet's counts: `names` names of `calls` invocations each, every call with
 * one value of each key drawn uniformly, failing at `baseRate`; in name 0, calls with
 * user_tier = pro fail at `effect` × that rate when `effect` is given.
 */
function fleetRead(random: () => number, names: number, calls: number, baseRate: number, effect?: number): FleetNameCounts[] {
  const keys = Object.entries(KEYS);
  return Array.from({ length: names }, (_, n) => {
    const invocations = keys.map(([, list]) => new Uint32Array(list.length));
    const failing = keys.map(([, list]) => new Uint32Array(list.length));
    const drawn = new Uint8Array(keys.length);
    let failures = 0;
    for (let i = 0; i < calls; i++) {
      for (let k = 0; k < keys.length; k++) drawn[k] = Math.floor(random() * keys[k][1].length);
      const rate = n === 0 && effect !== undefined && drawn[0] === 1 ? baseRate * effect : baseRate;
      const failed = random() < rate;
      if (failed) failures++;
      for (let k = 0; k < keys.length; k++) {
        invocations[k][drawn[k]]++;
        if (failed) failing[k][drawn[k]]++;
      }
    }
    const values = keys.flatMap(([key, list], k) =>
      list.map((value, v) => ({ key, value, invocations: invocations[k][v], failures: failing[k][v] })),
    );
    return { name: `GET /route-${n}`, invocations: calls, failures, values };
  });
}

describe('fleet suspects: the suspects test on the fleet\'s counts', () => {
  it('ground truth: exact counts give the exact p-value, Holm-adjusted for everything tested, and the relative risk', () => {
    const orders: FleetNameCounts = {
      name: 'POST /orders',
      kind: 'http',
      invocations: 1000,
      failures: 40,
      values: [
        { key: 'user_tier', value: 'pro', invocations: 120, failures: 30 },
        { key: 'user_tier', value: 'free', invocations: 880, failures: 10 },
      ],
    };
    const cart: FleetNameCounts = {
      name: 'GET /cart',
      invocations: 500,
      failures: 10,
      values: [
        { key: 'region', value: 'eu', invocations: 250, failures: 5 },
        { key: 'region', value: 'us', invocations: 250, failures: 5 },
      ],
    };
    const [first, second] = scoreFleet([cart, orders], 5);
    assert.equal(first.name, 'POST /orders', 'most failures first');
    assert.equal(second.name, 'GET /cart');
    assert.deepEqual(second.suspects, []);
    const [pro] = first.suspects;
    assert.equal(first.suspects.length, 1);
    // 4 values tested in all (2 names × 2 values): the smallest p is multiplied by 4
    assert.equal(pro.pValue, Math.min(1, 4 * hypergeometricUpperTail(1000, 40, 120, 30)));
    assert.equal(pro.relativeRisk, 30 / 120 / (10 / 880));
    assert.equal(pro.lift, 30 / 120 / (40 / 1000));
    assert.deepEqual([pro.key, pro.value, pro.failures, pro.invocations, pro.failureShare, pro.baselineShare], ['user_tier', 'pro', 30, 120, 0.75, 0.12]);
  });

  it('a value that carries every failure, on most of the calls, is a suspect: relative risk, not lift', () => {
    const counts: FleetNameCounts = {
      name: 'POST /orders',
      invocations: 1000,
      failures: 60,
      values: [{ key: 'app_version', value: '2.0.0', invocations: 700, failures: 60 }],
    };
    const [report] = scoreFleet([counts], 5);
    assert.equal(report.suspects[0]?.relativeRisk, Infinity);
    assert.ok(report.suspects[0].lift < 1.5, 'its lift alone would not have made it one');
  });

  it('the rule\'s edges: fewer than 5 failures, a relative risk under 1.5, and a p-value that passes alone but not among many', () => {
    const few: FleetNameCounts = { name: 'a', invocations: 10_000, failures: 20, values: [{ key: 'k', value: 'v', invocations: 10, failures: 4 }] };
    assert.deepEqual(scoreFleet([few], 5)[0].suspects, [], '4 failures');
    const mild: FleetNameCounts = { name: 'b', invocations: 100_000, failures: 10_000, values: [{ key: 'k', value: 'v', invocations: 50_000, failures: 5_700 }] };
    assert.ok(relativeRisk(mild, mild.values[0]) < 1.5);
    assert.deepEqual(scoreFleet([mild], 5)[0].suspects, [], 'significant, but a relative risk of 1.33');
    const value: ValueCounts = { key: 'k', value: 'v', invocations: 100, failures: 10 };
    const alone: FleetNameCounts = { name: 'c', invocations: 1000, failures: 30, values: [value] };
    const p = hypergeometricUpperTail(1000, 30, 100, 10);
    // the whole answer is held to 0.001, as one instance's is
    assert.ok(p < 0.001 && 3 * p >= 0.001, `p ${p}`);
    assert.equal(scoreFleet([alone], 5)[0].suspects.length, 1, 'a suspect when it is the only value tested');
    const others = [1, 2].map((i) => ({ name: `d${i}`, invocations: 1000, failures: 30, values: [{ key: 'k', value: 'w', invocations: 100, failures: 3 }] }));
    assert.deepEqual(scoreFleet([alone, ...others], 5).find((r) => r.name === 'c')!.suspects, [], 'not once three values of three names are tested');
  });

  it('null control and power over many seeded reads of 20 names × 12 values, with 95 % intervals', (t) => {
    const interval = (hits: number, n: number) => wilson(hits, n).map((x) => `${(x * 100).toFixed(1)}`).join('-');
    // no effect anywhere: any suspect is a false alarm
    const nullReads = 600;
    let falseAlarms = 0;
    for (let read = 0; read < nullReads; read++) {
      if (scoreFleet(fleetRead(seededRandom(10_000 + read), 20, 2000, 0.03), 5).some((r) => r.suspects.length > 0)) falseAlarms++;
    }
    t.diagnostic(`false alarms (no effect): ${falseAlarms}/${nullReads} reads (95 % CI ${interval(falseAlarms, nullReads)} %)`);
    assert.ok(falseAlarms / nullReads <= 0.01, `${falseAlarms} false alarms in ${nullReads} reads`);

    // one tier (a third of one name's calls) fails 2 or 3 times as often as the rest
    const reads = 200;
    const target = 'GET /route-0 user_tier=pro';
    let wrongValue = 0;
    for (const effect of [2, 3]) {
      let detected = 0;
      for (let read = 0; read < reads; read++) {
        const reports = scoreFleet(fleetRead(seededRandom(20_000 + read), 20, 2000, 0.03, effect), 5);
        const found = reports.flatMap((r) => r.suspects.map((s) => `${r.name} ${s.key}=${s.value}`));
        if (found.includes(target)) detected++;
        if (found.some((f) => f !== target)) wrongValue++;
      }
      t.diagnostic(`power, relative risk ${effect} on 1/3 of 2,000 calls at 3 %: ${detected}/${reads} (95 % CI ${interval(detected, reads)} %)`);
      if (effect === 3) assert.ok(wilson(detected, reads)[0] >= 0.75, `power at relative risk 3: ${detected}/${reads}`);
    }
    t.diagnostic(`reads with an effect that named another value too: ${wrongValue}/${2 * reads}`);
    assert.ok(wrongValue / (2 * reads) <= 0.01, `${wrongValue} reads named another value`);
  });
});
