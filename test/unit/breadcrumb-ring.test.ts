import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendBreadcrumb, breadcrumbsInOrder, cutMessage } from '../../lib/context/breadcrumb.buffer.js';
import type { Invocation } from '../../lib/context/invocation.js';
import { HudBreadcrumbsOptions } from '../../lib/options/hud-breadcrumbs.options.js';

const invocation = () => ({ startedAtMs: performance.now(), breadcrumbs: undefined, breadcrumbsDropped: 0 }) as unknown as Invocation;

describe('the breadcrumb ring of one invocation', () => {
  it('keeps the newest maxEntries in order and counts the others', () => {
    const settings = Object.assign(new HudBreadcrumbsOptions(), { maxEntries: 3 });
    const target = invocation();
    for (let i = 0; i < 10; i++) appendBreadcrumb(target, settings, 'info', `step ${i}`, undefined);
    assert.deepEqual(breadcrumbsInOrder(target).map((b) => b.message), ['step 7', 'step 8', 'step 9']);
    assert.equal(target.breadcrumbsDropped, 7);
    assert.equal(target.breadcrumbs!.length, 3, 'never more than maxEntries held');
  });

  it('cuts a long message without splitting a character', () => {
    assert.equal(cutMessage('abcdef', 4), 'abc…');
    assert.equal(cutMessage('ab😀cd', 4), 'ab…', 'the emoji is not cut in half');
    assert.equal(cutMessage('short', 5), 'short');
  });
});
