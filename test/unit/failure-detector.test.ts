import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyWindow } from '../../lib/analysis/latency/latency.window.js';
import type { Invocation } from '../../lib/context/invocation.js';
import { decideTrigger, statusOf } from '../../lib/forensics/failure.detector.js';
import { HudSlowBaselineOptions } from '../../lib/options/hud-slow-baseline.options.js';
import { HudOptions } from '../../lib/hud.options.js';

/** What the detector reads of a completed invocation. */
function completed(fields: Partial<Pick<Invocation, 'hasError' | 'error' | 'failure' | 'durationMs' | 'slowThresholdMs'>> & { status?: number }): Invocation {
  const { status, ...rest } = fields;
  const invocation = { hasError: false, error: undefined, failure: undefined, durationMs: 1, slowThresholdMs: undefined, latency: undefined, details: {}, ...rest };
  if (status !== undefined) (invocation.details as Record<string, unknown>).http = { statusCode: status };
  return invocation as unknown as Invocation;
}

/** An HttpException look-alike, as another copy of @nestjs/common would throw it. */
const httpError = (status: number) => ({ getStatus: () => status, message: `status ${status}` });

function options(overrides: Partial<HudOptions> = {}): HudOptions {
  return Object.assign(new HudOptions(), overrides);
}

describe('trigger decision', () => {
  it('a thrown error is a failure, except an HttpException whose status is not captured', () => {
    const o = options();
    assert.equal(decideTrigger(completed({ hasError: true, error: new Error('boom') }), o), 'error');
    assert.equal(decideTrigger(completed({ hasError: true, error: 'a thrown string', status: 404 }), o), 'error');
    assert.equal(decideTrigger(completed({ hasError: true, error: httpError(503) }), o), 'error');
    assert.equal(decideTrigger(completed({ hasError: true, error: httpError(404), status: 404 }), o), undefined);
    assert.equal(decideTrigger(completed({ hasError: true, error: httpError(401) }), o), undefined);
  });

  it('a captured status without an error is `status`; an error under a captured status is `error`', () => {
    const o = options();
    assert.equal(decideTrigger(completed({ status: 500 }), o), 'status');
    assert.equal(decideTrigger(completed({ status: 200 }), o), undefined);
    assert.equal(decideTrigger(completed({ hasError: true, error: httpError(404), status: 502 }), o), 'error');
  });

  it('follows captureStatus as a list or a predicate, and the default rule when the predicate throws', () => {
    assert.equal(decideTrigger(completed({ status: 404 }), options({ captureStatus: [404] })), 'status');
    assert.equal(decideTrigger(completed({ status: 500 }), options({ captureStatus: [404] })), undefined);
    assert.equal(decideTrigger(completed({ hasError: true, error: httpError(429) }), options({ captureStatus: (s) => s === 429 })), 'error');
    const throwing = options({
      captureStatus: () => {
        throw new Error('bad predicate');
      },
    });
    assert.equal(decideTrigger(completed({ status: 503 }), throwing), 'status');
    assert.equal(decideTrigger(completed({ status: 404 }), throwing), undefined);
    assert.equal(decideTrigger(completed({ hasError: true, error: new Error('x') }), throwing), 'error');
    assert.equal(decideTrigger(completed({ hasError: true, error: httpError(400) }), throwing), undefined);
    assert.equal(decideTrigger(completed({ failure: 'out of stock' }), throwing), 'failure');
  });

  it('setFailure() wins over a captured status, an error that fails wins over setFailure()', () => {
    const o = options();
    assert.equal(decideTrigger(completed({ failure: 'out of stock', status: 500 }), o), 'failure');
    assert.equal(decideTrigger(completed({ failure: 'out of stock', status: 200 }), o), 'failure');
    assert.equal(decideTrigger(completed({ failure: 'x', hasError: true, error: new Error('boom') }), o), 'error');
    assert.equal(decideTrigger(completed({ failure: 'x', hasError: true, error: httpError(404) }), o), 'failure');
  });

  it('a slow success is `duration` with the rule that fired; a failure is never `duration`', () => {
    const o = options({ slowThresholdMs: 100, slowBaseline: false });
    const slow = completed({ durationMs: 150 });
    assert.equal(decideTrigger(slow, o), 'duration');
    assert.deepEqual(slow.latency, { thresholdMs: 100, basis: 'fixed' });
    assert.equal(decideTrigger(completed({ durationMs: 100 }), o), undefined, 'at the threshold is not over it');
    assert.equal(decideTrigger(completed({ durationMs: 5000, status: 500 }), o), 'status');
    assert.equal(decideTrigger(completed({ durationMs: 5000 }), options({ slowThresholdMs: false })), undefined);
  });

  it('@HudSlowThreshold replaces both other rules, and false turns slowness off', () => {
    const o = options({ slowThresholdMs: 100 });
    const decorated = completed({ durationMs: 30, slowThresholdMs: 20 });
    assert.equal(decideTrigger(decorated, o), 'duration');
    assert.equal(decorated.latency?.basis, 'decorator');
    assert.equal(decideTrigger(completed({ durationMs: 150, slowThresholdMs: 200 }), o), undefined);
    assert.equal(decideTrigger(completed({ durationMs: 10_000, slowThresholdMs: false }), o), undefined);
  });

  it('the name’s baseline fires below slowThresholdMs once it has enough samples', () => {
    const window = new LatencyWindow('http', new HudSlowBaselineOptions());
    for (let i = 0; i < 300; i++) window.add(40, false, i);
    const o = options({ slowThresholdMs: 1000 });
    const slow = completed({ durationMs: 400 });
    assert.equal(decideTrigger(slow, o, window, 300), 'duration');
    assert.equal(slow.latency?.basis, 'baseline');
    assert.ok(slow.latency!.thresholdMs < 1000);
    assert.equal(decideTrigger(completed({ durationMs: 60 }), o, window, 300), undefined);
    const young = new LatencyWindow('http', new HudSlowBaselineOptions());
    young.add(40, false, 0);
    assert.equal(decideTrigger(completed({ durationMs: 400 }), o, young, 1), undefined, 'too few samples: the fixed rule only');
  });

  it('reads the status of an HttpException look-alike, and none of anything odd', () => {
    assert.equal(statusOf(httpError(418)), 418);
    assert.equal(statusOf(new Error('x')), undefined);
    assert.equal(statusOf('500'), undefined);
    assert.equal(statusOf(null), undefined);
    assert.equal(statusOf({ getStatus: () => '500' }), undefined);
    assert.equal(
      statusOf({
        getStatus() {
          throw new Error('no');
        },
      }),
      undefined,
    );
  });
});
