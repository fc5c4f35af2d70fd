/** Where the version a request was served for is kept on it, for the invocation name. */
const ROUTE_VERSION = Symbol.for('nestjs-hud.route-version');

/** A route's versions as Nest keeps them: a version, several, or `VERSION_NEUTRAL` (a symbol). */
export type RouteVersion = string | symbol | ReadonlyArray<string | symbol>;

/** The parts of Nest's versioning options that say where a request carries its version. */
export interface VersionSource {
  type?: unknown;
  header?: string;
  key?: string;
}

/** Nest's `VersioningType` values (read here, not imported: Nest 11 and 12 agree on them). */
const HEADER = 1;
const MEDIA_TYPE = 2;

/** `2` → `v2`, as URI versioning writes it; a version that is a word (`beta`) stays as it is. */
function formatVersion(version: string): string {
  return /^\d/.test(version) ? `v${version}` : version;
}

/**
 * The version a request asks for, read as Nest reads it: `undefined` when it asks for none,
 * `null` when only the app's own extractor could tell (custom versioning).
 */
function requestedVersion(req: any, source: VersionSource): string | undefined | null {
  if (source.type !== HEADER && source.type !== MEDIA_TYPE) return null;
  const headers = req?.headers;
  if (headers === undefined || headers === null) return undefined;
  if (source.type === HEADER && typeof source.header === 'string') {
    const value: unknown = headers[source.header.toLowerCase()];
    return typeof value === 'string' ? value : undefined;
  }
  if (source.type === MEDIA_TYPE && typeof source.key === 'string') {
    const accept: unknown = headers.accept;
    if (typeof accept !== 'string') return undefined;
    for (const parameter of accept.split(/[,;]/)) {
      const trimmed = parameter.trim();
      if (trimmed.startsWith(source.key)) return trimmed.slice(source.key.length).replace(/^"(.*)"$/, '$1');
    }
  }
  return undefined;
}

/**
 * The version label of a request a versioned route serves: its one version (`v2`); for a
 * route of several, the one the request asked for, else (custom extractors) all of them
 * (`v3,v4`); none for a version-neutral route or a request that came without a version to
 * a route that also takes none. Always one of the route's own versions: names stay bounded.
 */
export function routeVersionLabel(version: RouteVersion, source: VersionSource, req: unknown): string | undefined {
  if (typeof version === 'string') return formatVersion(version);
  if (!Array.isArray(version)) return undefined; // VERSION_NEUTRAL
  const declared = version.filter((v): v is string => typeof v === 'string');
  const requested = requestedVersion(req, source);
  if (typeof requested === 'string' && declared.includes(requested)) return formatVersion(requested);
  if (requested === undefined && declared.length < version.length) return undefined;
  return declared.length > 0 ? declared.map(formatVersion).join(',') : undefined;
}

export function setRouteVersion(req: any, label: string | undefined): void {
  if (req !== null && typeof req === 'object') req[ROUTE_VERSION] = label;
}

/** ` (v2)` for a request a versioned route served, else `''`: the end of its invocation name. */
export function routeVersionSuffix(req: any): string {
  const label: unknown = req?.[ROUTE_VERSION];
  return typeof label === 'string' ? ` (${label})` : '';
}
