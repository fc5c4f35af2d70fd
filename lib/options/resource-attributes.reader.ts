import { Logger } from '@nestjs/common';

/**
 * Reads `OTEL_RESOURCE_ATTRIBUTES` as OpenTelemetry specifies it: comma-separated
 * `key=value` pairs (W3C Baggage without properties), blanks around keys and values trimmed,
 * values percent-decoded (UTF-8). A value may hold `=`; an empty entry (a trailing comma) is
 * ignored. `undefined` when the text is malformed (an entry without `=` or without a key, a
 * bad `%` escape): the specification says to discard the whole variable then, not a part.
 */
export function parseResourceAttributes(text: string): Map<string, string> | undefined {
  const attributes = new Map<string, string>();
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const equals = entry.indexOf('=');
    if (equals === -1) return undefined;
    const key = entry.slice(0, equals).trim();
    if (key === '') return undefined;
    try {
      attributes.set(key, decodeURIComponent(entry.slice(equals + 1).trim()));
    } catch {
      return undefined;
    }
  }
  return attributes;
}

/**
 * The default of the `version` option: `service.version` from `OTEL_RESOURCE_ATTRIBUTES`,
 * the same version the app's OpenTelemetry SDK puts on its resource. A malformed variable is
 * said once per module and ignored, like the SDK does.
 */
export function serviceVersionFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const text = env.OTEL_RESOURCE_ATTRIBUTES;
  if (text === undefined || text.trim() === '') return undefined;
  const attributes = parseResourceAttributes(text);
  if (attributes === undefined) {
    new Logger('Hud').warn(
      'OTEL_RESOURCE_ATTRIBUTES is not a list of key=value pairs with percent-encoded values, so it is ignored: records and metrics carry no version (set the version option to give one)',
    );
    return undefined;
  }
  const version = attributes.get('service.version');
  return version === undefined || version === '' ? undefined : version;
}
