import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TRACKED_BYTES, MAX_TRACKED_NAMES, RateLimiter } from '../../lib/forensics/rate.limiter.js';

describe('rate limiter', () => {
  it('limits a flood of distinct names together like one name', () => {
    const limiter = new RateLimiter(10, 20, 0);
    let taken = 0;
    for (let i = 0; i < 2000; i++) if (limiter.tryTake(`query Q${i}`, 0)) taken++;
    assert.equal(taken, 20, 'the burst of the bucket new names share');
    // one second later: 10 more new names, and the known ones keep their own pace
    let later = 0;
    for (let i = 2000; i < 2100; i++) if (limiter.tryTake(`query Q${i}`, 1000)) later++;
    assert.equal(later, 10);
    // a name known before the flood keeps its own bucket: its burst, then its own rate
    const known = new RateLimiter(1, 3, 0);
    known.tryTake('calm', 0);
    for (let i = 0; i < 100; i++) known.tryTake(`flood ${i}`, 0);
    assert.deepEqual([known.tryTake('calm', 0), known.tryTake('calm', 0), known.tryTake('calm', 0)], [true, true, false]);
    assert.equal(known.tryTake('calm', 1000), true, 'one token back after a second at 1/s');
  });

  it(`tracks at most ${MAX_TRACKED_NAMES} names, least recently used evicted first`, () => {
    const limiter = new RateLimiter(1_000_000, 1_000_000, 0);
    for (let i = 0; i < MAX_TRACKED_NAMES * 2; i++) limiter.tryTake(`n${i}`, 0);
    assert.equal(limiter.trackedNames, MAX_TRACKED_NAMES);
  });

  it(`keeps the names it tracks within ${MAX_TRACKED_BYTES} bytes, however long they are`, () => {
    const limiter = new RateLimiter(1_000_000, 1_000_000, 0);
    const long = 'x'.repeat(50_000); // 100 KB as UTF-16
    for (let i = 0; i < 100; i++) limiter.tryTake(`${i}${long}`, 0);
    assert.ok(limiter.trackedBytes <= MAX_TRACKED_BYTES, String(limiter.trackedBytes));
    assert.ok(limiter.trackedNames <= 10 && limiter.trackedNames >= 9, String(limiter.trackedNames));
    // a name larger than the whole bound is never stored, and still limited (through the shared bucket)
    const huge = 'y'.repeat(MAX_TRACKED_BYTES);
    const tight = new RateLimiter(1, 2, 0);
    const takes = Array.from({ length: 5 }, () => tight.tryTake(huge, 0));
    assert.deepEqual(takes, [true, true, false, false, false]);
    assert.equal(tight.trackedNames, 0);
  });
});
