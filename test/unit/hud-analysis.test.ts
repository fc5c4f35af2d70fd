// HudAnalysis, the one owner of what every completed invocation teaches: it decides why an
// invocation deserves a record with the name's own baseline, then lets every observer count
// it; an observer that throws is reported once and costs the others nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HudAnalysis } from '../../lib/analysis/hud-analysis.js';
import type { Invocation } from '../../lib/context/invocation.js';
import type { ForensicsTrigger } from '../../lib/forensics/forensics-record.interface.js';
import { HudNotes } from '../../lib/hud.notes.js';
import { HudOptions } from '../../lib/hud.options.js';

function invocation(name: string, tier: string, durationMs: number): Invocation {
  const call = { name, kind: 'custom', values: { user_tier: tier }, keyCount: 1, startedAtMs: performance.now(), durationMs, slowThresholdMs: undefined };
  return Object.assign(call, { details: {}, hasError: false, failure: undefined }) as unknown as Invocation;
}

describe('HudAnalysis', () => {
  it('feeds the latency baselines, the suspects and every added observer, in that order, once per invocation', () => {
    const analysis = new HudAnalysis(new HudOptions());
    const seen: Array<[string, ForensicsTrigger | undefined]> = [];
    analysis.addObserver({ observe: (inv, trigger) => void seen.push([inv.name, trigger]) });
    for (let i = 0; i < 40; i++) {
      const call = invocation('pay', i % 4 === 0 ? 'pro' : 'free', 5);
      analysis.observe(call, i % 4 === 0 ? 'error' : undefined);
    }
    assert.equal(seen.length, 40);
    const [latency] = analysis.latencyReports('pay');
    assert.deepEqual([latency.samples, latency.failures], [30, 10]);
    const [suspects] = analysis.suspectReports({ name: 'pay' });
    assert.deepEqual([suspects.invocations, suspects.failures], [40, 10]);
    assert.deepEqual(suspects.suspects.map((s) => s.value), ['pro']);
  });

  it('decides with the fixed threshold and the name’s own baseline', () => {
    const analysis = new HudAnalysis(Object.assign(new HudOptions(), { slowThresholdMs: 1000 }));
    assert.equal(analysis.decide(invocation('pay', 'free', 1500), performance.now()), 'duration');
    assert.equal(analysis.decide(invocation('pay', 'free', 10), performance.now()), undefined);
  });

  it('keeps counting when an observer throws, and says so once', () => {
    const warnings: string[] = [];
    const notes = new HudNotes({ warn: (message: string) => warnings.push(message) } as never);
    const analysis = new HudAnalysis(new HudOptions(), undefined, notes);
    analysis.addObserver({
      observe: () => {
        throw new Error('exporter of metrics broke');
      },
    });
    let after = 0;
    analysis.addObserver({ observe: () => void after++ });
    for (let i = 0; i < 10; i++) analysis.observe(invocation('pay', 'free', 5), undefined);
    assert.equal(after, 10);
    assert.equal(analysis.suspectReports({ name: 'pay' }).length, 0);
    assert.equal(analysis.latencyReports('pay')[0].samples, 10);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /exporter of metrics broke/);
  });
});
