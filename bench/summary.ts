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
  requestsPerSecondVsBare: number;
  latencyP99: Spread;
  cpuMicrosPerRequest: Spread;
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

export function summarize(measurements: readonly Measurement[], variants: readonly string[], platforms: readonly string[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const platform of platforms) {
    const of = (variant: string) => measurements.filter((m) => m.variant === variant && m.platform === platform);
    const bare = of('bare');
    const bareRps = bare.length > 0 ? median(bare.map((m) => m.requestsPerSecond)) : NaN;
    const bareCpu = bare.length > 0 ? median(bare.map((m) => m.cpuMicrosPerRequest)) : NaN;
    for (const variant of variants) {
      const runs = of(variant);
      if (runs.length === 0) continue;
      const rps = spread(runs.map((m) => m.requestsPerSecond));
      const cpu = spread(runs.map((m) => m.cpuMicrosPerRequest));
      rows.push({
        variant,
        platform,
        rounds: runs.length,
        requestsPerSecond: rps,
        requestsPerSecondVsBare: round2(rps.median / bareRps),
        latencyP99: spread(runs.map((m) => m.latencyP99)),
        cpuMicrosPerRequest: cpu,
        cpuVsBare: round2(cpu.median / bareCpu),
        statusCodes: [...new Set(runs.flatMap((m) => Object.keys(m.statusCodes)))].sort(),
      });
    }
  }
  return rows;
}

/** The targets, as ratios of medians within this one run. */
export function checkTargets(rows: readonly SummaryRow[], platforms: readonly string[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const platform of platforms) {
    const row = (variant: string) => rows.find((r) => r.variant === variant && r.platform === platform);
    const cpu = (variant: string) => row(variant)?.cpuMicrosPerRequest.median;
    const rps = (variant: string) => row(variant)?.requestsPerSecond.median;
    const floorInterceptor = cpu('floor-interceptor');
    for (const variant of ['hud-handler', 'hud-headers']) {
      const own = cpu(variant);
      if (own !== undefined && floorInterceptor !== undefined) {
        checks.push({
          target: `${variant} CPU/request <= 1.1 x floor-interceptor`,
          platform,
          measured: `${own.toFixed(1)} us vs ${floorInterceptor.toFixed(1)} us = ${(own / floorInterceptor).toFixed(2)} x`,
          met: own <= 1.1 * floorInterceptor,
        });
      }
      const ownRps = rps(variant);
      const clsRps = rps('nestjs-cls');
      if (platform === 'fastify' && ownRps !== undefined && clsRps !== undefined) {
        checks.push({
          target: `${variant} req/s >= 2 x nestjs-cls`,
          platform,
          measured: `${Math.round(ownRps)} vs ${Math.round(clsRps)} req/s = ${(ownRps / clsRps).toFixed(2)} x`,
          met: ownRps >= 2 * clsRps,
        });
      }
    }
    const hudMiddleware = cpu('hud-middleware');
    const noopMiddleware = cpu('noop-middleware');
    const bare = cpu('bare');
    if (hudMiddleware !== undefined && noopMiddleware !== undefined && bare !== undefined && floorInterceptor !== undefined) {
      // "the same interceptor cost": what the floor of the design (hook + interceptor) adds to bare
      const designCost = floorInterceptor - bare;
      const limit = 1.1 * noopMiddleware + designCost;
      checks.push({
        target: 'hud-middleware CPU/request <= 1.1 x noop-middleware + (floor-interceptor - bare)',
        platform,
        measured: `${hudMiddleware.toFixed(1)} us vs limit ${limit.toFixed(1)} us (1.1 x ${noopMiddleware.toFixed(1)} + ${designCost.toFixed(1)})`,
        met: hudMiddleware <= limit,
      });
    }
    const disabled = cpu('hud-disabled');
    if (disabled !== undefined && bare !== undefined) {
      checks.push({
        target: 'hud-disabled CPU/request ~ bare (within 5 %)',
        platform,
        measured: `${disabled.toFixed(1)} us vs ${bare.toFixed(1)} us = ${(disabled / bare).toFixed(2)} x`,
        met: Math.abs(disabled / bare - 1) <= 0.05,
      });
    }
    const handlerRps = rps('hud-handler');
    const bareRps = rps('bare');
    if (handlerRps !== undefined && bareRps !== undefined) {
      checks.push({
        target: 'stretch: hud-handler req/s >= 0.95 x bare',
        platform,
        measured: `${Math.round(handlerRps)} vs ${Math.round(bareRps)} req/s = ${(handlerRps / bareRps).toFixed(2)} x`,
        met: handlerRps >= 0.95 * bareRps,
      });
    }
  }
  return checks;
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The table as Markdown, readable in a terminal and pasted as is into the README. */
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
