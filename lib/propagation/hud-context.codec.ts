import type { HudContextValue } from '../context/context-value.types.js';
import { cutText, wellFormedText } from '../context/utf16.text.js';
import { BAGGAGE_KEY } from '../hud.constants.js';

/** The header (and RPC metadata key) that carries propagated context. */
export const HUD_CONTEXT_HEADER = 'hud-context';

/** Property marking a member whose value is JSON (a number, boolean or array), not a string. */
const JSON_PROPERTY = 'json';

/** W3C baggage limits the number of list members; we never read more than this. */
export const MAX_MEMBERS = 64;


export interface EncodedContext {
  header: string;
  /** Allow-listed keys present but left out because the header would exceed its limit. */
  overLimit: string[];
}

/**
 * One `key=value` member. A lone surrogate (half an emoji, as a JavaScript string can hold)
 * would make `encodeURIComponent` throw: it is sent as U+FFFD instead. JSON escapes its own.
 */
function encodeMember(key: string, value: HudContextValue): string {
  return typeof value === 'string'
    ? `${key}=${encodeURIComponent(wellFormedText(value))}`
    : `${key}=${encodeURIComponent(JSON.stringify(value))};${JSON_PROPERTY}`;
}

/**
 * Encodes the allow-listed keys present in `values` as a W3C baggage list:
 * `client_id=acme,attempt=2;json`. Strings are percent-encoded as they are; numbers,
 * booleans and arrays are percent-encoded JSON marked with the `json` property, so they
 * arrive with their type. Members that would take the header past `maxBytes` are left out.
 * Never throws.
 */
export function encodeHudContext(
  values: Readonly<Record<string, HudContextValue>>,
  keys: readonly string[],
  maxBytes: number,
): EncodedContext {
  let header = '';
  const overLimit: string[] = [];
  for (const key of keys) {
    const value = values[key];
    if (value === undefined) continue;
    const member = encodeMember(key, value);
    // percent-encoding leaves only ASCII, so length is the size in bytes
    const length = header.length === 0 ? member.length : header.length + 1 + member.length;
    if (length > maxBytes) {
      overLimit.push(key);
      continue;
    }
    header = header.length === 0 ? member : `${header},${member}`;
  }
  return { header, overLimit };
}

export interface DecodedContext {
  values: Record<string, unknown>;
  /** Members ignored, with the reason, for the debug note. */
  ignored: { key: string; reason: string }[];
}

function decodeValue(raw: string, isJson: boolean): unknown {
  const text = decodeURIComponent(raw);
  return isJson ? JSON.parse(text) : text;
}

/**
 * Reads a `hud-context` header (or RPC metadata value). Only keys in `allowed` are kept;
 * every other member, and every malformed one, is listed in `ignored`. Values are returned
 * raw: the caller validates them like any `set`. Never throws.
 */
export function decodeHudContext(header: unknown, allowed: ReadonlySet<string>, maxBytes: number): DecodedContext {
  const decoded: DecodedContext = { values: Object.create(null), ignored: [] };
  const text = Array.isArray(header) ? header.filter((h) => typeof h === 'string').join(',') : header;
  if (typeof text !== 'string' || text.length === 0) return decoded;
  if (text.length > maxBytes) {
    decoded.ignored.push({ key: HUD_CONTEXT_HEADER, reason: `header longer than propagation.maxHeaderBytes (${maxBytes})` });
    return decoded;
  }
  const members = text.split(',');
  if (members.length > MAX_MEMBERS) {
    decoded.ignored.push({ key: HUD_CONTEXT_HEADER, reason: `more than ${MAX_MEMBERS} members; the rest were ignored` });
  }
  for (const member of members.slice(0, MAX_MEMBERS)) {
    if (member.trim().length === 0) continue;
    const [pair, ...properties] = member.split(';');
    const equals = pair.indexOf('=');
    const key = (equals === -1 ? pair : pair.slice(0, equals)).trim();
    if (equals === -1 || !BAGGAGE_KEY.test(key)) {
      decoded.ignored.push({ key: cutText(key, 64) || '(empty)', reason: 'malformed member' });
      continue;
    }
    if (!allowed.has(key)) {
      decoded.ignored.push({ key: cutText(key, 64), reason: 'not in propagation.keys' });
      continue;
    }
    const isJson = properties.some((p) => p.trim() === JSON_PROPERTY);
    try {
      decoded.values[key] = decodeValue(pair.slice(equals + 1).trim(), isJson);
    } catch {
      decoded.ignored.push({ key, reason: isJson ? 'value is not valid percent-encoded JSON' : 'value is not valid percent-encoding' });
    }
  }
  return decoded;
}
