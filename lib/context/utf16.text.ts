/**
 * Cutting and cleaning JavaScript strings without breaking characters. A string is UTF-16:
 * an emoji is two code units (a surrogate pair), and a cut between them leaves a lone
 * surrogate that `encodeURIComponent` refuses (URIError) and that renders as garbage.
 */

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * A copy of `text` that owns its characters. V8 makes `slice` (of 13 characters and more) a
 * view into the original string, which keeps the whole original alive as long as the view
 * lives: a 1,024-character value cut from a 1 MB request body would hold the megabyte in
 * every record and warning that keeps it. Slicing a concatenation makes V8 copy the
 * concatenation into a new flat string first, so the result refers to that copy (one
 * character longer than `text`) and never to the original. Measured on Node 20, 22, 24
 * and 26 (bench/string-copy.ts): it releases the original and costs about what the slice
 * itself does, less than a Buffer or structuredClone round trip.
 */
export function ownedText(text: string): string {
  return (' ' + text).slice(1);
}

/**
 * The first `maxLength` code units of `value` (as `slice` would give), one fewer when the
 * cut would end on a high surrogate: a character is never split in two. A cut string is an
 * owned copy (see `ownedText`): it never keeps the longer original alive.
 */
export function cutText(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  const end = maxLength > 0 && isHighSurrogate(value.charCodeAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return ownedText(value.slice(0, end));
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
