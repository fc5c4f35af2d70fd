// Hostile cardinality: 10,000 distinct invocation names × 50 distinct values each stay within
// the caps (maxNames names, maxValuesPerKey values + '(other)' per key), and the heap they hold
// after a forced GC is reported.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { HudSuspectsOptions } from '../lib/options/hud-suspects.options.js';
import { SuspectCounters } from '../lib/analysis/suspects/suspect.counters.js';
import { OUTCOME_FAILING, OUTCOME_OK } from '../lib/analysis/suspects/value.table.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('suspects: memory', () => {
  it('10,000 names × 50 values stay under the caps', (t) => {
    const options = new HudSuspectsOptions();
    const before = heapAfterGc();
    const counters = new SuspectCounters(options, () => false);
    const now = performance.now();
    for (let name = 0; name < 10_000; name++) {
      for (let value = 0; value < 50; value++) {
        // two keys: one with 50 values, one with a fresh long string every time
        const values = { tenant: `tenant-${name}-${value}`, note: `${'x'.repeat(200)}-${name}-${value}` };
        counters.count(`GET /items/${name}`, 'http', values, true, value % 10 === 0 ? OUTCOME_FAILING : OUTCOME_OK, now);
      }
    }
    const size = counters.size();
    assert.equal(size.names, options.maxNames);
    assert.ok(size.maxKeysPerName <= options.maxKeys);
    assert.equal(size.maxValuesPerKey, options.maxValuesPerKey + 1, "20 values + '(other)'");
    const held = heapAfterGc() - before;
    t.diagnostic(`heap held after GC: ${(held / 1024 / 1024).toFixed(2)} MB for ${size.names} names, ${size.keys} keys`);
    assert.ok(held < 8 * 1024 * 1024, `held ${held} bytes`);
    assert.ok(counters.reports({}, now).length <= options.maxNames);
  });
});
