// With failures independent of every context value, the suspects list stays empty: 20 seeded
// runs of 1,000 invocations at 5 % failures, with a tier, 50 clients, 3 flags and 5 regions
// (about 60 values tested per run). Drives the counters directly, as the runtime does, to be fast.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HudSuspectsOptions } from '../lib/options/hud-suspects.options.js';
import { SuspectCounters } from '../lib/analysis/suspects/suspect.counters.js';
import { HudAnalysis } from '../lib/analysis/hud-analysis.js';
import { OUTCOME_FAILING, OUTCOME_OK } from '../lib/analysis/suspects/value.table.js';
import type { Invocation } from '../lib/context/invocation.js';
import type { ForensicsTrigger } from '../lib/forensics/forensics-record.interface.js';
import { HudOptions } from '../lib/hud.options.js';
import { generateTraffic } from './support/suspect-traffic.js';

const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];

describe('suspects: null control', () => {
  it('reports a suspect in at most 1 of 20 runs when failures are independent of every value', (t) => {
    const runsWithSuspects: number[] = [];
    let smallestP = 1;
    for (let run = 0; run < 20; run++) {
      const counters = new SuspectCounters(new HudSuspectsOptions(), () => false);
      const traffic = generateTraffic(1000 + run, 1000, { proShare: 0.3, failureRate: () => 0.05, flagShare: 0.2 });
      const now = performance.now();
      traffic.forEach((item, i) => {
        const values = { user_tier: item.user_tier, client_id: item.client_id, flags: item.flags, region: REGIONS[i % 5] };
        counters.count('POST /orders', 'http', values, true, item.fail ? OUTCOME_FAILING : OUTCOME_OK, now);
      });
      const [report] = counters.reports({}, now);
      assert.equal(report.invocations, 1000);
      if (report.suspects.length > 0) runsWithSuspects.push(run);
      for (const s of report.suspects) smallestP = Math.min(smallestP, s.pValue);
    }
    t.diagnostic(`runs with any suspect: ${runsWithSuspects.length} of 20 (${runsWithSuspects.join(', ') || 'none'})`);
    assert.ok(runsWithSuspects.length <= 1, `suspects in runs ${runsWithSuspects.join(', ')} (smallest p ${smallestP})`);
  });

  it("counts trigger 'failure' (setFailure) as a failure, and 'duration' as slow", () => {
    const options = new HudOptions();
    const analysis = new HudAnalysis(options);
    for (let i = 0; i < 100; i++) {
      const pro = i % 4 === 0;
      const invocation = {
        name: 'payments.capture',
        kind: 'job',
        values: { user_tier: pro ? 'pro' : 'free' },
        keyCount: 1,
        startedAtMs: performance.now(),
        durationMs: 1,
      } as unknown as Invocation;
      const trigger = pro ? ('failure' as ForensicsTrigger) : i % 10 === 1 ? 'duration' : undefined;
      analysis.observe(invocation, trigger);
    }
    const [failures] = analysis.suspectReports();
    assert.deepEqual([failures.invocations, failures.failures], [100, 25]);
    assert.deepEqual(failures.suspects.map((s) => s.value), ['pro']);
    const [slow] = analysis.suspectReports({ trigger: 'slow' });
    assert.equal(slow.failures, 10);
  });
});
