import type { HudLatencyReport } from './hud-latency-report.interface.js';
import type { LatencyBaselines } from './latency.baselines.js';

/** The baselines each `HudForensics` reports, kept beside it rather than in it. */
const baselinesOf = new WeakMap<object, LatencyBaselines>();

export function attachLatencyBaselines(owner: object, baselines: LatencyBaselines | undefined): void {
  if (baselines === undefined) baselinesOf.delete(owner);
  else baselinesOf.set(owner, baselines);
}

/** `HudForensics.latency()`: `[]` when `slowBaseline` is off. */
export function latencyReportsOf(owner: object, name?: string): HudLatencyReport[] {
  return baselinesOf.get(owner)?.report(name) ?? [];
}
