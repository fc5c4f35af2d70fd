import type { HudOptions } from '../hud.options.js';
import type { HudFleetOptions } from '../options/hud-fleet.options.js';
import { HudSuspectsOptions } from '../options/hud-suspects.options.js';
import { FleetReader } from './fleet.reader.js';

/**
 * The inspector's fleet reader, scoped by the module's options: the `service` it reads,
 * the suspects' window and `minFailures` (their defaults when suspects are off), and the
 * metrics' keys for naming context labels.
 */
export function fleetReaderFor(options: HudOptions, fleet: HudFleetOptions): FleetReader {
  const suspects = options.suspects === false ? new HudSuspectsOptions() : options.suspects;
  return new FleetReader(fleet, {
    service: options.service,
    windowMs: suspects.windowMs,
    minFailures: suspects.minFailures,
    keys: options.metrics?.keys ?? [],
  });
}
