// Seeded traffic for the suspects counters driven with an injected clock, many windows long:
// a realistic context (tiers, a long-tailed client population, flags, regions, versions) and
// a failure model per call. Shared by the tests and by the simulation script (bench/simulate).
import { SuspectCounters } from '../../lib/analysis/suspects/suspect.counters.js';
import { OUTCOME_FAILING, OUTCOME_OK } from '../../lib/analysis/suspects/value.table.js';
import type { HudSuspectReport } from '../../lib/analysis/suspects/hud-suspect-report.interface.js';
import { HudSuspectsOptions } from '../../lib/options/hud-suspects.options.js';
import { seededRandom } from '../reliability/support/random.js';

export const MINUTE_MS = 60_000;

export type Random = () => number;

/** Draws one of `values` with probability proportional to its weight (binary search on the cumulated weights). */
export function sampler<T>(values: readonly T[], weights: readonly number[]): (random: Random) => T {
  const cumulated: number[] = [];
  let total = 0;
  for (const w of weights) cumulated.push((total += w));
  return (random) => {
    const at = random() * total;
    let low = 0;
    let high = values.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulated[mid] > at) high = mid;
      else low = mid + 1;
    }
    return values[low];
  };
}

/** Zipf weights 1/rank^s over `count` ranks. */
export function zipfWeights(count: number, s: number): number[] {
  return Array.from({ length: count }, (_, i) => 1 / (i + 1) ** s);
}

const tier = sampler(['free', 'pro', 'enterprise'], [70, 25, 5]);
const CLIENTS = Array.from({ length: 300 }, (_, i) => `client-${String(i).padStart(3, '0')}`);
const client = sampler(CLIENTS, zipfWeights(CLIENTS.length, 1.1));
const FLAGS: ReadonlyArray<[string, number]> = [
  ['new-checkout', 0.3],
  ['beta', 0.1],
  ['dark-mode', 0.5],
  ['fast-path', 0.2],
];
const REGIONS = ['eu-west', 'eu-central', 'us-east', 'ap-south'];
const version = sampler(['v41', 'v42'], [80, 20]);

/** The context of one call of a realistic service: tier, client (300, Zipf), flags, region, version. */
export function realisticContext(random: Random): Record<string, string | string[]> {
  const flags: string[] = [];
  for (const [flag, share] of FLAGS) if (random() < share) flags.push(flag);
  return {
    user_tier: tier(random),
    client_id: client(random),
    flags,
    region: REGIONS[Math.floor(random() * REGIONS.length)],
    app_version: version(random),
  };
}

export interface PollResult {
  reads: number;
  /** Reads (minutes) whose answer held at least one suspect. */
  readsWithSuspects: number;
  /** Names that had a suspect in at least one read. */
  namesWithSuspects: number;
  /** The first suspects seen, for a message. */
  examples: string[];
}

/**
 * The day-long null: `names` names failing at `failureRate` at random (independent of every
 * context value), name i receiving `callsPerMinute(i)` calls a minute spread over the minute,
 * `suspects()` read (all names together) at the end of every minute for `minutes`. The first
 * `warmupMinutes` are not read, so that every read sees a full window.
 */
export function pollNull(options: {
  seed: number;
  names: number;
  minutes: number;
  warmupMinutes: number;
  failureRate: number;
  callsPerMinute: (name: number) => number;
  read?: (counters: SuspectCounters, nowMs: number) => HudSuspectReport[];
}): PollResult {
  const random = seededRandom(options.seed);
  const counters = new SuspectCounters(new HudSuspectsOptions(), () => false);
  const read = options.read ?? ((c, now) => c.reports({}, now));
  const names = Array.from({ length: options.names }, (_, i) => `GET /route-${i}`);
  const suspected = new Set<string>();
  const examples: string[] = [];
  let reads = 0;
  let readsWithSuspects = 0;
  for (let minute = 0; minute < options.minutes; minute++) {
    names.forEach((name, i) => {
      const calls = options.callsPerMinute(i);
      for (let c = 0; c < calls; c++) {
        const nowMs = minute * MINUTE_MS + ((c + random()) * MINUTE_MS) / calls;
        const outcome = random() < options.failureRate ? OUTCOME_FAILING : OUTCOME_OK;
        counters.count(name, 'http', realisticContext(random), true, outcome, nowMs);
      }
    });
    if (minute < options.warmupMinutes) continue;
    reads++;
    const found = read(counters, (minute + 1) * MINUTE_MS - 1).filter((report) => report.suspects.length > 0);
    if (found.length === 0) continue;
    readsWithSuspects++;
    for (const report of found) {
      suspected.add(report.name);
      if (examples.length < 5) {
        const s = report.suspects[0];
        examples.push(`minute ${minute}: ${report.name} ${s.key}=${String(s.value)} ${s.failures}/${s.invocations} p ${s.pValue.toExponential(1)}`);
      }
    }
  }
  return { reads, readsWithSuspects, namesWithSuspects: suspected.size, examples };
}
