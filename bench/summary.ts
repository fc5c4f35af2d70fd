/** Turns the measurements of every round into the table and the target checks. */

export interface Measurement {
  round: number;
  variant: string;
  platform: string;
  requests: number;
  requestsPerSecond: number;
  latencyP99: number;
  /** Server CPU time (user + system) during the measured window, in microseconds. */
  cpuMicros: number;
  cpuMicrosPerRequest: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  rssAfter: number;
  extra: Record<string, number>;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface SummaryRow {
  variant: string;
  platform: string;
  rounds: number;
  requestsPerSecond: Spread;
  /** Median over the rounds of (this variant's req/s / bare's req/s in the same round). */
  requestsPerSecondVsBare: number;
  latencyP99: Spread;
  cpuMicrosPerRequest: Spread;
  /** Median over the rounds of (this variant's CPU/request / bare's in the same round). */
  cpuVsBare: number;
  statusCodes: string[];
}

export interface TargetCheck {
  target: string;
  platform: string;
  /** What was measured, as a sentence with the figures. */
  measured: string;
  met: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function spread(values: readonly number[]): Spread {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * The median over the rounds of `figure(a) / figure(b)` measured in the same round. The load
 * of a shared machine drifts between rounds; within a round both ran close in time, so this
 * is steadier than the ratio of the two medians.
 */
export function roundRatio(
  measurements: readonly Measurement[],
  platform: string,
  a: string,
  b: string,
  figure: (m: Measurement) => number,
): number | undefined {
  const ratios: number[] = [];
  for (const m of measurements) {
    if (m.platform !== platform || m.variant !== a) continue;
    const other = measurements.find((o) => o.platform === platform && o.variant === b && o.round === m.round);
    if (other !== undefined) ratios.push(figure(m) / figure(other));
  }
  return ratios.length > 0 ? median(ratios) : undefined;
}

const cpuOf = (m: Measurement) => m.cpuMicrosPerRequest;
const rpsOf = (m: Measurement) => m.requestsPerSecond;

export function summarize(measurements: readonly Measurement[], variants: readonly string[], platforms: readonly string[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const platform of platforms) {
    const of = (variant: string) => measurements.filter((m) => m.variant === variant && m.platform === platform);
    for (const variant of variants) {
      const runs = of(variant);
      if (runs.length === 0) continue;
      rows.push({
        variant,
        platform,
        rounds: runs.length,
        requestsPerSecond: spread(runs.map(rpsOf)),
        requestsPerSecondVsBare: round2(roundRatio(measurements, platform, variant, 'bare', rpsOf) ?? NaN),
        latencyP99: spread(runs.map((m) => m.latencyP99)),
        cpuMicrosPerRequest: spread(runs.map(cpuOf)),
        cpuVsBare: round2(roundRatio(measurements, platform, variant, 'bare', cpuOf) ?? NaN),
        statusCodes: [...new Set(runs.flatMap((m) => Object.keys(m.statusCodes)))].sort(),
      });
    }
  }
  return rows;
}

/** The targets, as per-round ratios (see `roundRatio`) within this one run. */
export function checkTargets(measurements: readonly Measurement[], platforms: readonly string[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const has = (platform: string, variant: string) => measurements.some((m) => m.platform === platform && m.variant === variant);
  for (const platform of platforms) {
    const cpuRatio = (a: string, b: string) => roundRatio(measurements, platform, a, b, cpuOf);
    const rpsRatio = (a: string, b: string) => roundRatio(measurements, platform, a, b, rpsOf);
    for (const variant of ['hud-handler', 'hud-headers']) {
      const cpu = cpuRatio(variant, 'floor-interceptor');
      if (cpu !== undefined) {
        checks.push({ target: `${variant} CPU/request <= 1.1 x floor-interceptor`, platform, measured: `${cpu.toFixed(2)} x`, met: cpu <= 1.1 });
      }
      const rps = rpsRatio(variant, 'nestjs-cls');
      if (platform === 'fastify' && rps !== undefined) {
        checks.push({ target: `${variant} req/s >= 2 x nestjs-cls`, platform, measured: `${rps.toFixed(2)} x (als-floor: ${rpsRatio('als-floor', 'nestjs-cls')?.toFixed(2) ?? '?'} x)`, met: rps >= 2 });
      }
    }
    if (has(platform, 'hud-middleware') && has(platform, 'noop-middleware') && has(platform, 'floor-interceptor')) {
      // "the same interceptor cost": what the floor of the design (hook + interceptor) adds to bare, per round
      const ratios: number[] = [];
      for (const m of measurements.filter((x) => x.platform === platform && x.variant === 'hud-middleware')) {
        const inRound = (v: string) => measurements.find((x) => x.platform === platform && x.variant === v && x.round === m.round)?.cpuMicrosPerRequest;
        const noop = inRound('noop-middleware');
        const floorInterceptor = inRound('floor-interceptor');
        const bare = inRound('bare');
        if (noop !== undefined && floorInterceptor !== undefined && bare !== undefined) {
          ratios.push(m.cpuMicrosPerRequest / (1.1 * noop + (floorInterceptor - bare)));
        }
      }
      if (ratios.length > 0) {
        const ratio = median(ratios);
        checks.push({
          target: 'hud-middleware CPU/request <= 1.1 x noop-middleware + (floor-interceptor - bare)',
          platform,
          measured: `${ratio.toFixed(2)} x that limit`,
          met: ratio <= 1,
        });
      }
    }
    const disabled = cpuRatio('hud-disabled', 'bare');
    if (disabled !== undefined) {
      checks.push({ target: 'hud-disabled CPU/request ~ bare (within 5 %)', platform, measured: `${disabled.toFixed(2)} x`, met: Math.abs(disabled - 1) <= 0.05 });
    }
    const stretch = rpsRatio('hud-handler', 'bare');
    if (stretch !== undefined) {
      checks.push({
        target: 'stretch: hud-handler req/s >= 0.95 x bare',
        platform,
        measured: `${stretch.toFixed(2)} x (als-floor: ${rpsRatio('als-floor', 'bare')?.toFixed(2) ?? '?'} x)`,
        met: stretch >= 0.95,
      });
    }
  }
  return checks;
}

/**
 * What each default-on feature costs: its variant against the same app with the feature off,
 * as the median of per-round CPU/request ratios, with the bound the docs promise.
 */
export const FEATURE_COSTS: ReadonlyArray<{ feature: string; on: string; off: string; bound: number }> = [
  { feature: 'suspects counting', on: 'hud-handler', off: 'hud-handler-no-suspects', bound: 1.03 },
  { feature: 'latency baseline', on: 'hud-handler', off: 'hud-handler-no-baseline', bound: 1.02 },
  { feature: 'breadcrumbs from 3 Logger lines', on: 'hud-logging', off: 'hud-logging-no-breadcrumbs', bound: 1.02 },
];

/** How much slower than the baseline checkout still counts as "unchanged" on this noisy machine. */
const BASE_BOUND = 1.1;

/** The feature-cost checks, and `<variant>` against `<variant>@base` for every baseline variant run. */
export function featureCosts(measurements: readonly Measurement[], variants: readonly string[], platforms: readonly string[]): TargetCheck[] {
  const pairs = [
    ...FEATURE_COSTS.map(({ feature, on, off, bound }) => ({ target: `${feature}: ${on} CPU/request <= ${bound} x ${off}`, on, off, bound })),
    ...variants
      .filter((v) => v.endsWith('@base') && variants.includes(v.slice(0, -'@base'.length)))
      .flatMap((base) => {
        const on = base.slice(0, -'@base'.length);
        const lean = `${on}-no-analysis`;
        return [
          { target: `${on} CPU/request vs the baseline checkout (within noise: <= ${BASE_BOUND} x)`, on, off: base, bound: BASE_BOUND },
          // the same work as the baseline did: what this version's own changes cost, the analyses aside
          ...(variants.includes(lean)
            ? [{ target: `${lean} CPU/request vs ${on} of the baseline checkout (within noise: <= ${BASE_BOUND} x)`, on: lean, off: base, bound: BASE_BOUND }]
            : []),
        ];
      }),
  ];
  const checks: TargetCheck[] = [];
  for (const platform of platforms) {
    for (const { target, on, off, bound } of pairs) {
      const ratio = roundRatio(measurements, platform, on, off, cpuOf);
      if (ratio !== undefined) checks.push({ target, platform, measured: `${ratio.toFixed(3)} x`, met: ratio <= bound });
    }
  }
  return checks;
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The table as Markdown, readable in a terminal and pasted as is into docs/performance.md. */
export function formatTable(rows: readonly SummaryRow[]): string {
  const lines = [
    '| variant | platform | req/s (median) | × bare | p99 ms | CPU µs/req median (min–max) | × bare |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const cpu = row.cpuMicrosPerRequest;
    lines.push(
      `| ${row.variant} | ${row.platform} | ${fmt(row.requestsPerSecond.median)} | ${row.requestsPerSecondVsBare.toFixed(2)} | ` +
        `${fmt(row.latencyP99.median)} | ${fmt(cpu.median, 1)} (${fmt(cpu.min, 1)}–${fmt(cpu.max, 1)}) | ${row.cpuVsBare.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `${c.met ? 'met   ' : 'MISSED'} [${c.platform}] ${c.target}: ${c.measured}`).join('\n');
}
