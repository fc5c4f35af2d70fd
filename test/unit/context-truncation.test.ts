import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeValue, displayKey, type ProblemSink } from '../../lib/context/context-value.normalizer.js';
import { cutText, wellFormedText } from '../../lib/context/utf16.text.js';
import type { HudLimits } from '../../lib/hud.options.js';

const EMOJI = '😀'; // two UTF-16 code units: a surrogate pair
const limits: HudLimits = { maxKeys: 64, maxKeyLength: 8, maxStringLength: 8, maxArrayLength: 4 };

/** Whether `text` holds a surrogate without its other half. */
function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

function sink(): ProblemSink {
  return { problems: undefined };
}

describe('truncation keeps characters whole', () => {
  it('cuts before a surrogate pair the limit would split, and keeps one that fits', () => {
    assert.equal(cutText(`${'a'.repeat(7)}${EMOJI}`, 8), 'a'.repeat(7));
    assert.equal(cutText(`${'a'.repeat(6)}${EMOJI}b`, 8), `${'a'.repeat(6)}${EMOJI}`);
    assert.equal(cutText('abc', 8), 'abc');
    assert.equal(cutText(EMOJI, 1), '');
  });

  it('never leaves a lone surrogate in a truncated string, array item or displayed key', () => {
    for (let prefix = 0; prefix < 10; prefix++) {
      const text = 'a'.repeat(prefix) + EMOJI.repeat(6);
      const problems = sink();
      const value = normalizeValue(text, limits, problems, 'k') as string;
      assert.ok(value.length <= limits.maxStringLength && value.length >= limits.maxStringLength - 1, value);
      assert.equal(hasLoneSurrogate(value), false, JSON.stringify(value));
      assert.ok(text.startsWith(value));
      assert.match(problems.problems?.[0].reason ?? '', /string truncated to limits\.maxStringLength \(8\)/);

      const items = normalizeValue([text, 'short'], limits, sink(), 'k') as string[];
      assert.equal(hasLoneSurrogate(items[0]), false, JSON.stringify(items[0]));
      assert.equal(items[1], 'short');

      const shown = displayKey(text, limits);
      assert.equal(hasLoneSurrogate(shown), false, JSON.stringify(shown));
      assert.ok(shown.endsWith('…'));
    }
  });

  it('replaces lone surrogates by U+FFFD, and leaves well-formed text as it is', () => {
    assert.equal(wellFormedText(`ab\ud83d`), 'ab\ufffd');
    assert.equal(wellFormedText(`\ude00ab`), '\ufffdab');
    const fine = `a${EMOJI}b`;
    assert.equal(wellFormedText(fine), fine);
    assert.doesNotThrow(() => encodeURIComponent(wellFormedText(`x\ud83d\ud83dy`)));
  });
});
