// fleet/: every instance's figures, read from the Prometheus that scrapes the metrics, for the inspector.
import type { HudSuspect } from '../analysis/suspects/hud-suspect-report.interface.js';

/**
 * One version of one invocation name, summed over every instance that runs it.
 *
 * @publicApi
 */
export interface HudFleetVersion {
  /** `service.version` of the instances; absent for instances that set none. */
  version?: string;
  /** Completed invocations in the window (Prometheus' `increase()`, rounded). */
  invocations: number;
  /** Of those, failing ones (outcome `error`, `status` or `failure`). */
  failures: number;
  /** `failures / invocations`. */
  failureRatio: number;
  /** 99th percentile of the duration, estimated from the histogram's buckets; absent without data. */
  p99Ms?: number;
}

/**
 * One invocation name across the fleet, with one entry per version.
 *
 * @publicApi
 */
export interface HudFleetName {
  name: string;
  kind?: string;
  invocations: number;
  failures: number;
  failureRatio: number;
  /** Most invocations first. */
  versions: HudFleetVersion[];
}

/**
 * A context value over-represented among a name's failures across the fleet.
 *
 * @publicApi
 */
export interface HudFleetSuspect extends HudSuspect {
  /** Failure rate with this value / failure rate of the name's invocations without it (`Infinity` when none of those failed). */
  relativeRisk: number;
}

/**
 * The fleet's suspects of one invocation name.
 *
 * @publicApi
 */
export interface HudFleetSuspectReport {
  name: string;
  kind?: string;
  invocations: number;
  failures: number;
  /** Most suspicious first; `[]` when nothing stands out. */
  suspects: HudFleetSuspect[];
}

/**
 * What `GET {path}/fleet.json` answers and the inspector's Fleet section shows.
 *
 * @publicApi
 */
export interface HudFleetReport {
  /** The `service` option: only that service's series are read (`service_name` label). */
  service?: string;
  /** The span the figures cover (the suspects' window). */
  windowMs: number;
  /** When Prometheus was asked (ISO time). */
  readAt: string;
  /** Why there are no figures: Prometheus unreachable, too slow, or answering an error. */
  error?: string;
  /** Most invocations first. */
  names: HudFleetName[];
  /** One per name that failed in the window, most failures first. */
  suspects: HudFleetSuspectReport[];
}
