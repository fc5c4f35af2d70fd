import { IsInt, Min, ValidateBy } from 'class-validator';
import type { HudInspectorOptions } from './hud-inspector.options.js';

/** An `http:` or `https:` URL, the only kinds Prometheus serves its API on. */
function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** The inspector's Fleet section: every instance's figures, read from Prometheus (off unless given). */
export class HudFleetOptions {
  /**
   * Where Prometheus (or a server with its query API: Thanos, Mimir, VictoriaMetrics) answers,
   * e.g. `'http://prometheus:9090'`; a path prefix is kept, credentials in the URL are sent as
   * Basic authentication. Required.
   */
  @ValidateBy(
    { name: 'isHttpUrl', validator: { validate: isHttpUrl } },
    { message: "inspector.fleet.prometheusUrl must be the http(s) URL of a Prometheus server, e.g. 'http://prometheus:9090'" },
  )
  prometheusUrl!: string;

  /** The most the page and `fleet.json` wait for Prometheus, all queries together. Default: `3000`. */
  @IsInt({ message: 'inspector.fleet.timeoutMs must be an integer >= 1' })
  @Min(1, { message: 'inspector.fleet.timeoutMs must be an integer >= 1' })
  timeoutMs = 3000;
}

/** What users pass as `inspector.fleet`. */
export interface HudFleetModuleOptions {
  prometheusUrl: string;
  timeoutMs?: number;
}

/**
 * Fills `inspector.fleet` with its defaults (in place: `inspector` is the resolver's own copy)
 * and names its misspelt fields; its values are validated with the rest of the options.
 */
export function resolveFleetOptions(inspector: HudInspectorOptions): string[] {
  const given: unknown = inspector.fleet;
  if (given === undefined || given === null || typeof given !== 'object' || Array.isArray(given)) return [];
  const known = Object.keys(new HudFleetOptions()).concat('prometheusUrl');
  inspector.fleet = Object.assign(new HudFleetOptions(), given);
  return Object.keys(given)
    .filter((key) => !known.includes(key))
    .map((key) => `unknown option "inspector.fleet.${key}" (known options of inspector.fleet: ${known.join(', ')})`);
}
