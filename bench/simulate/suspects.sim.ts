/**
 * `npm run sim:suspects`: the figures of docs/suspects.md, re-computed from the library's own
 * code with a simulated clock. Prints markdown:
 *
 * 1. power: calls a name needs in its window for a value to be found 4 times in 5, by share of
 *    calls and relative risk, for the suspects test and for a two-proportion z-test at the same
 *    corrected level;
 * 2. null controls with exact 95 % confidence intervals: a single name's first window, a single
 *    name read every minute for a day, 50 names read every minute for days, a global incident
 *    with churning clients, a client whose calls all fall inside an outage.
 *
 * SIM_DAYS (default 3) sets the days of the 50-name poll; SIM_SEED the first seed. Everything
 * is seeded: the same settings print the same figures.
 */
import { stratifiedUpperTail } from '../../lib/analysis/suspects/stratified.tail.js';
import { SuspectCounters } from '../../lib/analysis/suspects/suspect.counters.js';
import { OUTCOME_FAILING, OUTCOME_OK } from '../../lib/analysis/suspects/value.table.js';
import { HudSuspectsOptions } from '../../lib/options/hud-suspects.options.js';
import { seededRandom } from '../../test/reliability/support/random.js';
import { generateTraffic } from '../../test/support/suspect-traffic.js';
import { MINUTE_MS, pollNull } from '../../test/support/steady-traffic.js';
import { binomial, proportionText, type Random, twoProportionZ } from './statistics.js';

const DAYS = Math.max(1, Number(process.env.SIM_DAYS ?? 3) || 3);
const SEED = Number(process.env.SIM_SEED ?? 1) || 1;
const BUCKETS = 15;
const BASE_RATE = 0.02; // failure rate of the calls without the value
const MIN_FAILURES = 5;
const MIN_RELATIVE_RISK = 1.5;

interface Family {
  label: string;
  /** Values tested together (Holm's first step multiplies by this). */
  size: number;
  level: number;
}
const FAMILIES: Family[] = [
  { label: 'one name (`suspects({ name })`: 50 values tested, adjusted p < 0.01)', size: 50, level: 0.01 },
  { label: 'every name (`suspects()`, the inspector: 50 names × 50 values, adjusted p < 0.001)', size: 2500, level: 0.001 },
];

/** One simulated window: per bucket, the value's calls and failures and the others'. */
function drawWindow(random: Random, calls: number, share: number, valueRate: number, restRate: number) {
  const total: number[] = [];
  const failing: number[] = [];
  const drawn: number[] = [];
  let x = 0;
  let n = 0;
  let restFailures = 0;
  for (let b = 0; b < BUCKETS; b++) {
    const bucketCalls = Math.floor(calls / BUCKETS) + (b < calls % BUCKETS ? 1 : 0);
    const own = binomial(random, bucketCalls, share);
    const ownFailing = binomial(random, own, valueRate);
    const otherFailing = binomial(random, bucketCalls - own, restRate);
    total.push(bucketCalls);
    failing.push(ownFailing + otherFailing);
    drawn.push(own);
    x += ownFailing;
    n += own;
    restFailures += otherFailing;
  }
  return { strata: { total, failing, drawn }, x, n, restFailures };
}

/** Whether each test finds the value in one simulated window of `calls` calls. */
function detects(random: Random, calls: number, share: number, risk: number, family: Family): [boolean, boolean] {
  const valueRate = risk === Infinity ? BASE_RATE : BASE_RATE * risk;
  const restRate = risk === Infinity ? 0 : BASE_RATE;
  const { strata, x, n, restFailures } = drawWindow(random, calls, share, valueRate, restRate);
  const rest = n === calls ? NaN : restFailures / (calls - n);
  const relativeRisk = rest === 0 ? Infinity : x / n / rest;
  let expected = 0;
  for (let b = 0; b < BUCKETS; b++) if (strata.drawn[b] > 0) expected += (strata.drawn[b] * strata.failing[b]) / strata.total[b];
  // the rule, as a value ranked first among `family.size` tested (Holm's first step)
  const ours =
    x >= MIN_FAILURES && relativeRisk >= MIN_RELATIVE_RISK && x > expected && stratifiedUpperTail(strata, x) * family.size < family.level;
  const z = twoProportionZ(x, n, restFailures, calls - n, family.level / family.size);
  return [ours, z];
}

const GRID = Array.from({ length: 60 }, (_, k) => Math.round(100 * 1.25 ** k)).filter((n) => n <= 20_000_000);
const REPS = 400;

/** The fewest calls (on a grid 25 % apart) at which `test` finds the value in 80 % of `REPS` windows; undefined beyond the grid. */
function callsFor80(seed: number, share: number, risk: number, family: Family, test: 0 | 1): number | undefined {
  const power = (calls: number) => {
    const random = seededRandom(seed + calls);
    let found = 0;
    for (let r = 0; r < REPS; r++) if (detects(random, calls, share, risk, family)[test]) found++;
    return found / REPS;
  };
  let low = 0;
  let high = GRID.length - 1;
  if (power(GRID[high]) < 0.8) return undefined;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (power(GRID[mid]) >= 0.8) high = mid;
    else low = mid + 1;
  }
  return GRID[low];
}

function callsText(calls: number | undefined): string {
  if (calls === undefined) return 'never';
  return calls >= 1_000_000 ? `${(calls / 1_000_000).toFixed(1)} M` : calls >= 10_000 ? `${Math.round(calls / 1000)} k` : calls.toLocaleString('en');
}

function powerTables(): string {
  const shares = [0.01, 0.05, 0.1, 0.2, 0.4, 0.7];
  const risks = [1.5, 2, 3, 5, Infinity]; // Infinity: the value fails 2 %, the rest never
  const out: string[] = [];
  for (const family of FAMILIES) {
    out.push(`\nCalls the name needs in its window for a value to be found in 80 % of windows, ${family.label}; suspects test / two-proportion z-test:\n`);
    out.push(`| share of calls | ${risks.map((r) => (r === Infinity ? 'every failure (the value 2 %, the rest 0)' : `relative risk ${r}`)).join(' | ')} |`);
    out.push(`| ---: | ${risks.map(() => '---:').join(' | ')} |`);
    for (const share of shares) {
      const cells = risks.map((risk) => {
        const seed = SEED * 1_000_003 + Math.round(share * 1000) * 31 + (risk === Infinity ? 99 : risk * 10);
        return `${callsText(callsFor80(seed, share, risk, family, 0))} / ${callsText(callsFor80(seed, share, risk, family, 1))}`;
      });
      out.push(`| ${share * 100} % | ${cells.join(' | ')} |`);
    }
  }
  return out.join('\n');
}

/** The null control of the test suite (1,000 calls at 5 %, tier, 50 clients, 3 flags, 5 regions), `runs` times. */
function firstWindowNull(runs: number): string {
  const regions = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];
  let withSuspects = 0;
  for (let run = 0; run < runs; run++) {
    const counters = new SuspectCounters(new HudSuspectsOptions(), () => false);
    const traffic = generateTraffic(SEED * 7919 + run, 1000, { proShare: 0.3, failureRate: () => 0.05, flagShare: 0.2 });
    traffic.forEach((item, i) => {
      const values = { user_tier: item.user_tier, client_id: item.client_id, flags: item.flags, region: regions[i % 5] };
      counters.count('POST /orders', 'http', values, true, item.fail ? OUTCOME_FAILING : OUTCOME_OK, i);
    });
    if (counters.reports({ name: 'POST /orders' }, 1000)[0].suspects.length > 0) withSuspects++;
  }
  return `| one name, first window (1,000 calls at 5 %, about 60 values) | runs with a suspect | ${proportionText(withSuspects, runs)} |`;
}

/**
 * 50 names at 5 % read every minute for `DAYS` days. Read once at 0.01: a Holm-adjusted p-value
 * does not depend on the level, so the answer at 0.001 (the rule) is its suspects under 0.001.
 */
function dayLongNull(): string[] {
  let reads = 0;
  let atServiceLevel = 0;
  let atNameLevel = 0;
  let spaced = 0;
  let spacedWithSuspect = 0;
  let persistent = 0;
  let persistentAtNameLevel = 0;
  for (let day = 0; day < DAYS; day++) {
    let previous = new Set<string>();
    let previousLenient = new Set<string>();
    let minute = 0;
    pollNull({
      seed: SEED * 104_729 + day,
      names: 50,
      minutes: 15 + 24 * 60,
      warmupMinutes: 15,
      failureRate: 0.05,
      callsPerMinute: (name) => 20 + Math.round((280 * name) / 49),
      read: (counters, nowMs) => {
        const reports = counters.reports({}, nowMs, 0.01);
        let smallest = 1;
        const now = new Set<string>();
        const lenient = new Set<string>();
        for (const report of reports) {
          for (const s of report.suspects) {
            smallest = Math.min(smallest, s.pValue);
            const id = `${report.name}|${s.key}|${String(s.value)}`;
            lenient.add(id);
            if (s.pValue < 0.001) now.add(id);
          }
        }
        reads++;
        if (smallest < 0.001) atServiceLevel++;
        if (smallest < 0.01) atNameLevel++;
        if ([...now].some((id) => previous.has(id))) persistent++;
        if ([...lenient].some((id) => previousLenient.has(id))) persistentAtNameLevel++;
        previous = now;
        previousLenient = lenient;
        if (minute % 15 === 0) {
          spaced++;
          if (smallest < 0.001) spacedWithSuspect++;
        }
        minute++;
        return reports;
      },
    });
  }
  return [
    `| 50 names at 5 %, read every minute for ${DAYS} days (the rule: adjusted p < 0.001) | reads with a suspect | ${proportionText(atServiceLevel, reads)} |`,
    `| the same, every 15th read only (windows that share no call: independent reads) | reads with a suspect | ${proportionText(spacedWithSuspect, spaced)} |`,
    `| the same, a suspect already there the minute before | reads | ${proportionText(persistent, reads)} |`,
    `| the same at adjusted p < 0.01 (not the rule: why the whole answer uses 0.001) | reads with a suspect | ${proportionText(atNameLevel, reads)} |`,
    `| the same at 0.01, a suspect already there the minute before (0.01 with persistence) | reads | ${proportionText(persistentAtNameLevel, reads)} |`,
  ];
}

/** One name, 300 calls a minute, realistic context, read every minute for a day (adjusted p < 0.01). */
function oneNameDay(): string {
  let reads = 0;
  let withSuspects = 0;
  for (let day = 0; day < DAYS; day++) {
    const result = pollNull({ seed: SEED * 15_485_863 + day, names: 1, minutes: 15 + 24 * 60, warmupMinutes: 15, failureRate: 0.05, callsPerMinute: () => 300, read: (c, now) => c.reports({ name: 'GET /route-0' }, now) });
    reads += result.reads;
    withSuspects += result.readsWithSuspects;
  }
  return `| one name (300 calls a minute), read every minute for ${DAYS} days (adjusted p < 0.01) | reads with a suspect | ${proportionText(withSuspects, reads)} |`;
}

/** 40 equal clients churning through 20 rows, 3 minutes at 30 % for everyone; reads at the end and 3 and 7 minutes later. */
function incidentNull(runs: number): string {
  let withSuspects = 0;
  for (let run = 0; run < runs; run++) {
    const random = seededRandom(SEED * 3_571 + run);
    const counters = new SuspectCounters(new HudSuspectsOptions(), () => false);
    let found = false;
    for (let minute = 0; minute < 40; minute++) {
      for (let c = 0; c < 200; c++) {
        const at = minute * MINUTE_MS + ((c + random()) * MINUTE_MS) / 200;
        const client = `client-${Math.floor(random() * 40)}`;
        const fails = random() < (minute >= 30 && minute < 33 ? 0.3 : 0.02);
        counters.count('POST /orders', 'http', { client_id: client }, true, fails ? OUTCOME_FAILING : OUTCOME_OK, at);
      }
      if (minute === 32 || minute === 35 || minute === 39) {
        if ((counters.reports({ name: 'POST /orders' }, (minute + 1) * MINUTE_MS - 1)[0]?.suspects.length ?? 0) > 0) found = true;
      }
    }
    if (found) withSuspects++;
  }
  return `| a global incident (3 min at 30 %), 40 equal clients churning through 20 rows | runs with a suspect | ${proportionText(withSuspects, runs)} |`;
}

/** An outage from minute 40.5 to 43.5 for everyone; a batch client calling only then (10 % of those calls), failing like everyone. */
function outageNull(runs: number): string {
  let blamed = 0;
  for (let run = 0; run < runs; run++) {
    const random = seededRandom(SEED * 6_151 + run);
    const counters = new SuspectCounters(new HudSuspectsOptions(), () => false);
    let found = false;
    for (let minute = 0; minute < 46; minute++) {
      for (let c = 0; c < 300; c++) {
        const at = minute * MINUTE_MS + ((c + random()) * MINUTE_MS) / 300;
        const outage = at >= 40.5 * MINUTE_MS && at < 43.5 * MINUTE_MS;
        const client = outage && random() < 0.1 ? 'batch' : `client-${Math.floor(random() * 15)}`;
        counters.count('POST /orders', 'http', { client_id: client }, true, random() < (outage ? 0.3 : 0.02) ? OUTCOME_FAILING : OUTCOME_OK, at);
      }
      if (minute >= 40 && counters.reports({ name: 'POST /orders' }, (minute + 1) * MINUTE_MS - 1)[0]?.suspects.some((s) => s.value === 'batch')) found = true;
    }
    if (found) blamed++;
  }
  return `| an outage starting mid-bucket, a client calling only during it | runs blaming it | ${proportionText(blamed, runs)} |`;
}

function timed<T>(label: string, run: () => T): T {
  const started = performance.now();
  const result = run();
  process.stderr.write(`sim:suspects: ${label} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}

console.log(`# Suspects: power and null controls (seed ${SEED}, ${DAYS} simulated days)`);
console.log(`\n## Power (the rest of the calls failing ${BASE_RATE * 100} %, calls spread over the ${BUCKETS} buckets of the window)`);
console.log(timed('power', powerTables));
console.log('\n## Null controls (failures independent of every value)\n');
console.log('| setting | counted | observed (exact 95 % CI) |\n| --- | --- | --- |');
console.log(timed('first window', () => firstWindowNull(2000)));
console.log(timed('one name, a day', oneNameDay));
for (const line of timed('50 names', dayLongNull)) console.log(line);
console.log(timed('incident', () => incidentNull(400)));
console.log(timed('outage', () => outageNull(400)));
