import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHudContext, encodeHudContext } from '../../lib/propagation/hud-context.codec.js';

const EMOJI = '😀';

describe('hud-context header encoding', () => {
  it('encodes a value ending on half an emoji without throwing, as U+FFFD', () => {
    const value = `${'a'.repeat(1023)}${EMOJI[0]}`; // what a cut at 1024 code units used to store
    const { header } = encodeHudContext({ note: value }, ['note'], 8192);
    assert.equal(header, `note=${'a'.repeat(1023)}%EF%BF%BD`);
    const decoded = decodeHudContext(header, new Set(['note']), 8192);
    assert.equal(decoded.values.note, `${'a'.repeat(1023)}\ufffd`);
    // whole emoji travel as they are, beside it
    const both = encodeHudContext({ note: value, tags: [EMOJI], mood: EMOJI }, ['note', 'tags', 'mood'], 8192);
    const back = decodeHudContext(both.header, new Set(['note', 'tags', 'mood']), 8192);
    assert.deepEqual(back.values.tags, [EMOJI]);
    assert.equal(back.values.mood, EMOJI);
  });
});
