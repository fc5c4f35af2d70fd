/**
 * Cutting and cleaning JavaScript strings without breaking characters. A string is UTF-16:
 * an emoji is two code units (a surrogate pair), and a cut between them leaves a lone
 * surrogate that `encodeURIComponent` refuses (URIError) and that renders as garbage.
 */

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * The first `maxLength` code units of `value` (as `slice` would give), one fewer when the
 * cut would end on a high surrogate: a character is never split in two.
 */
export function cutText(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  const end = maxLength > 0 && isHighSurrogate(value.charCodeAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return value.slice(0, end);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `value` with every lone surrogate replaced by U+FFFD (what `String.prototype.toWellFormed`
 * does), so it can be percent-encoded. Well-formed strings are returned as they are.
 */
export function wellFormedText(value: string): string {
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(value) ? value.replace(LONE_SURROGATE, '\ufffd') : value;
}
