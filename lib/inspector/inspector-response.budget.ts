/**
 * The most characters of records one inspector answer carries: `records.json`, and the
 * record cards of the page. Records are bounded one by one, but the inspector holds up to
 * `maxRecords` of them, and an answer joining them all could take seconds to build, or
 * exceed the longest string V8 can make and fail, during exactly the incident the page
 * exists for.
 */
export const MAX_RECORDS_RESPONSE_CHARACTERS = 8 * 1024 * 1024;

/** Deeper than any record we build; what `beforeRecord` nests deeper is not counted. */
const MAX_DEPTH = 32;

/**
 * About how many characters `value` takes as JSON (escapes aside), walking only until the
 * count passes `limit`: a record too big to fit is found out without serialising it.
 */
function sizeUpTo(value: unknown, limit: number, size = 0, depth = 0): number {
  if (size > limit || depth > MAX_DEPTH) return size;
  switch (typeof value) {
    case 'string':
      return size + value.length + 2;
    case 'number':
    case 'boolean':
      return size + 8;
    case 'object': {
      if (value === null) return size + 4;
      size += 2;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && size <= limit; i++) size = sizeUpTo(value[i], limit, size + 1, depth + 1);
        return size;
      }
      for (const key of Object.keys(value)) {
        if (size > limit) break;
        size = sizeUpTo((value as Record<string, unknown>)[key], limit, size + key.length + 4, depth + 1);
      }
      return size;
    }
    default:
      return size;
  }
}

/** `sizeUpTo`, or 0 when a record `beforeRecord` returned cannot be walked (its rendering says so). */
function estimate(record: unknown, limit: number): number {
  try {
    return sizeUpTo(record, limit);
  } catch {
    return 0;
  }
}

/** The texts of the records that fit one answer, and how many records were left out. */
export interface FittedRecords {
  texts: string[];
  leftOut: number;
}

/**
 * Renders `records` (newest first) one by one, as long as they fit in `maxCharacters` in
 * all: a record that does not fit in what is left is left out (and counted), and the older
 * ones are still tried, so one huge record does not hide the others. A record is rendered
 * only when it might fit, so the answer takes a time bounded by its size, not by what is held.
 */
export function fitRecords<T>(
  records: readonly T[],
  render: (record: T) => string,
  maxCharacters: number = MAX_RECORDS_RESPONSE_CHARACTERS,
): FittedRecords {
  const texts: string[] = [];
  let left = maxCharacters;
  let leftOut = 0;
  for (const record of records) {
    if (estimate(record, left) > left) {
      leftOut++;
      continue;
    }
    const text = render(record);
    if (text.length > left) {
      leftOut++;
      continue;
    }
    texts.push(text);
    left -= text.length + 1;
  }
  return { texts, leftOut };
}
